"""The catalog records a plugin hands the hub, normalized across platforms (the raw payload is kept).

Neutral vocabulary only: stock and buyability are booleans each plugin computes from its platform's own
fields; images are a URL, a thumbnail URL and alt text (plus any named sizes); prices are decimal strings.
Platform quirks (HTML entities in names, "0 means no sale", ...) are resolved by the plugin's parser.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class Variant:
    """One purchasable variant of a product."""

    id: str
    sku: str | None = None
    #: decimal as a string, never a float (prices must not drift); None: inherits the product's price
    price: str | None = None
    #: the reduced price when on sale, else None (a platform's "0" or compare-at pair maps here)
    sale_price: str | None = None
    inventory_level: int | None = None
    #: True/False when the platform knows; None when stock is not tracked (treated as available)
    in_stock: bool | None = None
    #: False when this variant cannot be bought at all (disabled, not for sale)
    purchasable: bool = True
    option_values: list[dict[str, str]] = field(default_factory=list)  #: [{"option": .., "value": ..}]
    image_url: str | None = None


@dataclass
class Image:
    """One product image."""

    id: str
    url: str  #: the image at a size fit for a product page (absolute http(s) URL)
    thumbnail_url: str | None = None  #: a small version for lists, when the platform offers one
    alt: str | None = None  #: alternative text for shoppers who cannot see it
    #: any further sizes the platform names, {"zoom": url, ...}; informational
    sizes: dict[str, str] = field(default_factory=dict)
    is_thumbnail: bool = False  #: the product's main image
    sort_order: int = 0


@dataclass
class CustomField:
    """A free-form name/value pair the merchant attached to a product (custom fields, metafields)."""

    name: str
    value: str
    id: str | None = None


@dataclass
class Product:
    """A product as the hub stores it: normalized across platforms, with the raw payload kept.

    Times are timezone-aware (UTC when the platform sends no offset). Text is what a shopper should see
    (entities decoded); ``description`` stays HTML.
    """

    id: str  #: the platform's product id, as a string (opaque: digits, or a global id such as ``gid://…/Product/1``)
    name: str
    sku: str | None = None
    description: str | None = None  #: HTML
    #: the product's price; for a product priced only on its variants, the lowest variant price (the
    #: hub fills it from the variants when the plugin leaves it None)
    price: str | None = None
    sale_price: str | None = None  #: the reduced price when on sale, else None (see Variant.sale_price)
    is_visible: bool = True  #: shown on the storefront
    #: False when the product cannot be bought (disabled, archived, not for sale)
    purchasable: bool = True
    #: True/False when stock is known (any variant in stock, for products with variants); None when the
    #: platform does not track it (treated as available)
    in_stock: bool | None = None
    inventory_level: int | None = None
    url: str | None = None  #: absolute storefront URL, when the platform gives one
    url_path: str | None = None  #: storefront path, e.g. "/blue-shirt/", when only a path is known
    handle: str | None = None  #: the URL handle/slug where the platform has one
    brand_ids: list[str] = field(default_factory=list)  #: first one is the main brand
    category_ids: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    date_created: datetime | None = None
    date_modified: datetime | None = None
    variants: list[Variant] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    custom_fields: list[CustomField] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  #: the platform's record, as received

    @property
    def brand_id(self) -> str | None:
        """The main brand."""
        return self.brand_ids[0] if self.brand_ids else None


@dataclass
class RecordError:
    """A record the platform sent that could not be used (or was repaired): recorded, the sync goes on."""

    product_id: str | None  #: None when even the id was unreadable
    message: str  #: what was wrong, e.g. "name is null"


@dataclass
class Category:
    """A catalog category (a collection on platforms that have collections)."""

    id: str
    name: str
    parent_id: str | None = None
    url_path: str | None = None
    is_visible: bool = True


@dataclass
class Brand:
    """A brand (a vendor on platforms that have vendors)."""

    id: str
    name: str


class FetchMode(enum.StrEnum):
    """What :func:`~hub.contract.hookspecs.fetch_products` is asked for."""

    FULL = "full"  #: every product
    INCREMENTAL = "incremental"  #: products modified at or after ``FetchRequest.modified_since``


@dataclass(frozen=True)
class FetchRequest:
    """Arguments of :func:`~hub.contract.hookspecs.fetch_products`."""

    mode: FetchMode = FetchMode.FULL
    #: for ``incremental``: an aware UTC instant; return products with ``date_modified >= modified_since``
    #: (inclusive). The hub has already subtracted its clock-skew margin.
    modified_since: datetime | None = None
    #: resume point: the ``cursor`` of the last page the hub committed, or None to start
    cursor: str | None = None


@dataclass
class ProductPage:
    """One batch of products: the unit the hub commits atomically (with the cursor)."""

    products: list[Product]
    errors: list[RecordError] = field(default_factory=list)
    #: where to resume *after* this page has been committed; None only when nothing is left
    cursor: str | None = None
    #: the platform's total for this fetch when known (full: the catalog size)
    total: int | None = None
    #: seconds the plugin slept on the platform's rate limit while producing this page
    rate_limit_wait: float = 0.0
    #: requests made while producing this page (for progress and benchmarks)
    requests: int = 0
    #: answers that said "slow down" (HTTP 429, GraphQL THROTTLED) while producing this page
    throttled: int = 0


class CatalogAdmin(Protocol):
    """Changes a demo store's catalog, for the conformance suite's live checks (optional).

    A plugin's demo store exposes it as ``DemoStoreHandle.admin``; ids are the contract's string ids.
    """

    def product_ids(self) -> list[str]:
        """Every product id the store has now."""

    def create_product(self, name: str) -> str:
        """Create a product; return its id."""

    def update_product(self, product_id: str, name: str) -> None:
        """Rename a product (its modification time moves forward)."""

    def delete_product(self, product_id: str) -> None:
        """Delete a product."""


class ChangeKind(enum.StrEnum):
    """What a webhook says happened to a product."""

    UPSERTED = "upserted"  #: created or updated: the hub fetches it by id
    DELETED = "deleted"  #: removed from the store: the hub archives it (after checking it is gone)


@dataclass(frozen=True)
class ChangeEvent:
    """One product change announced by a webhook delivery, as ``parse_webhook`` returns it.

    A pointer, not data: the hub always fetches the product by id before storing anything, so a forged or
    replayed event can at worst cause a re-fetch.
    """

    product_id: str  #: the contract's string id, as ``Product.id``
    kind: ChangeKind
    #: when the change happened at the platform (aware UTC), used to drop events older than what is stored
    occurred_at: datetime | None
    #: the platform's id of this delivery, identical across its retries: the hub's dedupe key
    delivery_id: str


#: what taxonomy hooks yield: records, or errors for items that could not be read
TaxonomyItem = Category | Brand | RecordError

__all__ = [
    "Brand",
    "CatalogAdmin",
    "Category",
    "ChangeEvent",
    "ChangeKind",
    "CustomField",
    "FetchMode",
    "FetchRequest",
    "Image",
    "Product",
    "ProductPage",
    "RecordError",
    "TaxonomyItem",
    "Variant",
]
