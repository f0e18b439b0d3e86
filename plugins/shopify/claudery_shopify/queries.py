"""The GraphQL documents the plugin sends, built from the page sizes it chose.

One product selection serves paging, ``nodes(ids:)`` and the bulk export, so every path yields the same
records. Nested connections carry ``pageInfo`` so a product with more rows than the first page holds is
completed by :data:`NESTED_PAGE` queries, never truncated.
"""

from __future__ import annotations

from dataclasses import dataclass

VARIANT_FIELDS = (
    "id title sku barcode price compareAtPrice inventoryQuantity inventoryPolicy availableForSale "
    "position updatedAt selectedOptions { name value }"
)
MEDIA_FIELDS = "id mediaContentType alt ... on MediaImage { image { url altText width height } }"
METAFIELD_FIELDS = "id namespace key value"
COLLECTION_FIELDS = "id"
PRODUCT_FIELDS = (
    "id legacyResourceId title handle descriptionHtml vendor productType status tags createdAt updatedAt "
    "publishedAt onlineStoreUrl totalInventory tracksInventory "
    "variantsCount { count } mediaCount { count }"
)
#: nested connection → the fields of its rows
NESTED: dict[str, str] = {
    "variants": VARIANT_FIELDS,
    "media": MEDIA_FIELDS,
    "metafields": METAFIELD_FIELDS,
    "collections": COLLECTION_FIELDS,
}


@dataclass(frozen=True)
class NestedSizes:
    """``first`` of each nested connection in a product selection."""

    variants: int
    media: int
    metafields: int
    collections: int

    def of(self, name: str) -> int:
        """The size of connection ``name``."""
        return int(getattr(self, name))


def product_selection(sizes: NestedSizes) -> str:
    """The fields of one product, with the first page of each nested connection."""
    nested = " ".join(
        f"{name}(first: {sizes.of(name)}) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {fields} }} }}"
        for name, fields in NESTED.items()
    )
    return f"{PRODUCT_FIELDS} {nested}"


def products_page(sizes: NestedSizes) -> str:
    """One page of ``products``, by cursor, sort key and search filter."""
    return (
        "query HubProducts($first: Int!, $after: String, $query: String, $sortKey: ProductSortKeys!) { "
        "products(first: $first, after: $after, query: $query, sortKey: $sortKey) { "
        "pageInfo { hasNextPage endCursor } "
        f"nodes {{ {product_selection(sizes)} }} }} }}"
    )


def products_by_ids(sizes: NestedSizes) -> str:
    """Given products (``nodes(ids:)``, at most 250 ids)."""
    return (
        "query HubProductsByIds($ids: [ID!]!) { nodes(ids: $ids) { "
        f"... on Product {{ {product_selection(sizes)} }} }} }}"
    )


def nested_page(name: str) -> str:
    """The next page of one nested connection of one product."""
    return (
        f"query HubProduct_{name}($id: ID!, $first: Int!, $after: String) {{ product(id: $id) {{ "
        f"{name}(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} "
        f"nodes {{ {NESTED[name]} }} }} }} }}"
    )


PRODUCT_IDS = (
    "query HubProductIds($first: Int!, $after: String) { products(first: $first, after: $after, sortKey: ID) "
    "{ pageInfo { hasNextPage endCursor } nodes { id } } }"
)
VENDORS = (
    "query HubVendors($first: Int!, $after: String) { products(first: $first, after: $after, sortKey: VENDOR) "
    "{ pageInfo { hasNextPage endCursor } nodes { vendor } } }"
)
COLLECTIONS = (
    "query HubCollections($first: Int!, $after: String) { collections(first: $first, after: $after, sortKey: ID) "
    "{ pageInfo { hasNextPage endCursor } nodes { id title handle } } }"
)
PRODUCTS_COUNT = "query HubProductsCount { productsCount(limit: null) { count precision } }"
SHOP = (
    "query HubConnectionTest { shop { name email myshopifyDomain currencyCode ianaTimezone "
    "primaryDomain { url host } plan { publicDisplayName partnerDevelopment shopifyPlus } } }"
)
SCOPES = "query HubScopes { currentAppInstallation { accessScopes { handle } } }"
PROVE_READ_PRODUCTS = (
    "query HubProveProducts { products(first: 1) { nodes { id } } productsCount { count precision } }"
)
