"""Claudery Hub hook implementations for Shopify (entry point ``claudery_shopify.plugin``).

Each hook is a thin adapter: the work lives in one module per concept (credentials, client, connection,
products, nested, sizing, bulk, catalog_ids, taxonomy, storefront, demo). The host calls platform hooks
for "shopify" only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hub.contract import (
    Brand,
    Capability,
    Category,
    ChangeEvent,
    ConnectionResult,
    DemoStoreHandle,
    EmbedGuide,
    FetchRequest,
    PlatformInfo,
    PluginContext,
    Product,
    ProductPage,
    RecordError,
    StoreInfo,
    WebhookRegistration,
    hookimpl,
)

from . import catalog_ids, connection, demo, products, storefront, taxonomy, webhooks
from . import credentials as creds
from .client import ShopifyClient

if TYPE_CHECKING:
    import click
    import marshmallow

PLATFORM_KEY = "shopify"


@hookimpl
def platform_info() -> PlatformInfo:
    """Shopify, connected through a store-level app (Admin API token, or client ID and secret)."""
    return PlatformInfo(
        key=PLATFORM_KEY,
        display_name="Shopify",
        description="Connect with a custom app's Admin API access token, or a Dev Dashboard app's client "
        "ID and secret (read_products only).",
        docs_url="https://shopify.dev/docs/apps/build/dev-dashboard/get-api-access-tokens",
        contract_version=2,
        # keyset cursors (sortKey ID) are exact under inserts and deletions; updated_at search gives
        # incremental fetches; nodes(ids:) fetches given products; collections and vendors are the taxonomy
        capabilities=frozenset(
            {
                Capability.TAXONOMY,
                Capability.LIST_IDS,
                Capability.FETCH_BY_IDS,
                Capability.EXACT_PAGING,
                Capability.INCREMENTAL,
                Capability.WEBHOOKS,
            }
        ),
    )


@hookimpl
def credential_schema(platform: str) -> type[marshmallow.Schema]:
    """Shop, then an access token or a client ID and secret, and the API version."""
    return creds.ShopifyCredentialsSchema


@hookimpl
def normalize_credentials(platform: str, data: dict[str, str]) -> dict[str, Any]:
    """Shop addresses → ``{handle}.myshopify.com``; tokens stripped of header names and quotes."""
    return creds.normalize_credentials(data)


@hookimpl
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """Shop identity, granted scopes, and proof that products can be read."""
    return connection.test_connection(credentials, context)


@hookimpl
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Pages of products by keyset cursor (or a bulk export for big full fetches), resumable."""
    return products.fetch_products(credentials, request, context)


@hookimpl
def fetch_products_by_ids(
    platform: str, credentials: dict[str, Any], ids: list[str], context: PluginContext
) -> Iterator[ProductPage]:
    """``nodes(ids:)`` in chunks of up to 250."""
    return _closing(credentials, context, lambda client: catalog_ids.fetch_products_by_ids(client, ids))


@hookimpl
def register_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, secret: str, context: PluginContext
) -> WebhookRegistration:
    """``webhookSubscriptionCreate`` for products/create, update and delete (thin payloads)."""
    return webhooks.register(credentials, target_url, secret, context)


@hookimpl
def webhook_status(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> WebhookRegistration:
    """Active, or missing (Shopify deletes subscriptions whose deliveries keep failing)."""
    return webhooks.status(credentials, target_url, context)


@hookimpl
def unregister_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> None:
    """``webhookSubscriptionDelete`` for each subscription to the hub."""
    webhooks.unregister(credentials, target_url, context)


@hookimpl
def parse_webhook(
    platform: str, credentials: dict[str, Any], headers: Mapping[str, str], body: bytes, secret: str
) -> list[ChangeEvent]:
    """``X-Shopify-Hmac-Sha256`` with the app's client secret; the product GID and its ``updated_at``."""
    return webhooks.parse(credentials, headers, body)


@hookimpl
def list_product_ids(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[str]:
    """Every current product GID, 250 a page."""
    return _closing(
        credentials, context, lambda client: catalog_ids.list_product_ids(client, context.record_usage)
    )


@hookimpl
def fetch_categories(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Category | RecordError]:
    """Collections, as categories."""
    return _closing(
        credentials, context, lambda client: taxonomy.fetch_categories(client, context.record_usage)
    )


@hookimpl
def fetch_brands(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Brand | RecordError]:
    """Vendors, as brands."""
    return _closing(credentials, context, lambda client: taxonomy.fetch_brands(client, context.record_usage))


@hookimpl
def storefront_product_url(platform: str, store: StoreInfo, product: Product) -> str | None:
    """``onlineStoreUrl``, or the primary domain plus ``/products/{handle}``."""
    return storefront.storefront_product_url(store, product)


@hookimpl
def admin_product_url(platform: str, credentials: Mapping[str, Any], product_id: str) -> str | None:
    """``https://admin.shopify.com/store/{handle}/products/{numeric id}``."""
    return storefront.admin_product_url(credentials, product_id)


@hookimpl
def embed_instructions(platform: str, position: str) -> EmbedGuide:
    """A Custom Liquid section in the theme footer; theme.liquid as the fallback."""
    return storefront.embed_instructions(position)


@hookimpl
def demo_store(platform: str, settings: Mapping[str, Any]) -> DemoStoreHandle | None:
    """Start the local Shopify stand-in and return how to connect to it."""
    return demo.demo_store(settings)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``hub shopify-demo-store`` (the local Shopify Admin GraphQL stand-in)."""
    from claudery_shopify.demo_store.cli import demo_store_command

    cli.add_command(demo_store_command)


def _closing(
    credentials: Mapping[str, Any], context: PluginContext, work: Callable[[ShopifyClient], Iterator[Any]]
) -> Iterator[Any]:
    """Run a client-based listing and release the client's connections at its end."""
    client = ShopifyClient.from_context(credentials, context)
    try:
        yield from work(client)
    finally:
        client.close()
