"""Claudery Hub hook implementations for BigCommerce (entry point ``claudery_bigcommerce.plugin``).

Each hook is a thin adapter: the work lives in one module per concept (credentials, connection,
products, catalog_ids, taxonomy, storefront). The host calls platform hooks for "bigcommerce" only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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

from . import catalog_ids, connection, products, storefront, taxonomy, webhooks
from . import credentials as creds
from .client import BigCommerceClient

if TYPE_CHECKING:
    import click
    import marshmallow

PLATFORM_KEY = "bigcommerce"


@hookimpl
def platform_info() -> PlatformInfo:
    """BigCommerce, connected through a store-level API account."""
    return PlatformInfo(
        key=PLATFORM_KEY,
        display_name="BigCommerce",
        description="Connect with a store-level API account (store hash and access token, Products read-only).",
        docs_url="https://developer.bigcommerce.com/docs/start/authentication/api-accounts",
        contract_version=2,
        # Page-number paging over a closed id range is exact only by the plugin's own safeguards (restart
        # by key on any inconsistency); declared, and proven by the conformance suite's deletion check.
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
    """The store-level API account form."""
    return creds.BigCommerceCredentialsSchema


@hookimpl
def normalize_credentials(platform: str, data: dict[str, str]) -> dict[str, Any]:
    """Clean pasted values (URLs → store hash, stray whitespace and quotes) and validate them."""
    return creds.normalize_credentials(data)


@hookimpl
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """Products read-only decides; store details are optional enrichment."""
    return connection.test_connection(credentials, context)


@hookimpl
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Pages of 250 products, resumable, concurrent within the store's quota."""
    return products.fetch_products(credentials, request, context)


@hookimpl
def fetch_products_by_ids(
    platform: str, credentials: dict[str, Any], ids: list[str], context: PluginContext
) -> Iterator[ProductPage]:
    """Up to 250 products per request with ``id:in``."""
    return products.fetch_products_by_ids(credentials, ids, context)


@hookimpl
def register_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, secret: str, context: PluginContext
) -> WebhookRegistration:
    """``/v3/hooks`` for product and SKU events, the site's secret as a custom header."""
    return webhooks.register(credentials, target_url, secret, context)


@hookimpl
def webhook_status(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> WebhookRegistration:
    """Active, deactivated (``is_active`` false after failed deliveries) or missing."""
    return webhooks.status(credentials, target_url, context)


@hookimpl
def unregister_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> None:
    """Delete the hooks that deliver to the hub."""
    webhooks.unregister(credentials, target_url, context)


@hookimpl
def parse_webhook(
    platform: str, credentials: dict[str, Any], headers: Mapping[str, str], body: bytes, secret: str
) -> list[ChangeEvent]:
    """The secret header (and a Standard Webhooks signature when present), then the product id."""
    return webhooks.parse(credentials, headers, body, secret)


@hookimpl
def list_product_ids(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[str]:
    """Every current product id, paged by key."""
    return catalog_ids.list_product_ids(
        BigCommerceClient.from_context(credentials, context), context.record_usage
    )


@hookimpl
def fetch_categories(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Category | RecordError]:
    """Every category (category trees; legacy endpoint as a fallback)."""
    return _closing(BigCommerceClient.from_context(credentials, context), taxonomy.fetch_categories)


@hookimpl
def fetch_brands(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Brand | RecordError]:
    """Every brand."""
    return _closing(BigCommerceClient.from_context(credentials, context), taxonomy.fetch_brands)


@hookimpl
def storefront_product_url(platform: str, store: StoreInfo, product: Product) -> str | None:
    """The store's secure URL plus the product's custom URL."""
    return storefront.storefront_product_url(store, product)


@hookimpl
def admin_product_url(platform: str, credentials: Mapping[str, Any], product_id: str) -> str | None:
    """The product's edit page in the store's control panel (``store-{hash}.mybigcommerce.com``)."""
    return storefront.admin_product_url(credentials.get("store_hash"), product_id)


@hookimpl
def embed_instructions(platform: str, position: str) -> EmbedGuide:
    """BigCommerce: Script Manager first (consent-aware), the theme footer as the fallback."""
    corner = position.replace("-", " ")
    return EmbedGuide(
        title="Install it on BigCommerce",
        steps=[
            "In your BigCommerce control panel go to Storefront → Script Manager and click Create a Script.",
            "Name it “Claudery”. Location on page: Footer. Select pages where script will be added: All pages "
            "(or Store pages to keep it off checkout).",
            "Script category: Functional, so stores with a cookie-consent banner load it once shoppers accept "
            "functional scripts. Script type: Script.",
            f"Paste the line above into Script contents and save. Open your storefront: the launcher appears in "
            f"the {corner} corner.",
        ],
        notes=[
            "Without Script Manager: in Storefront → Themes → Advanced → Edit Theme Files, open "
            "templates/layout/base.html and paste the line just before </body>.",
        ],
        image_hosts=["https://cdn11.bigcommerce.com"],
    )


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``hub demo-store`` (the local BigCommerce stand-in), when the demo store is installed."""
    try:
        from .demo_store.cli import demo_store_command
    except ImportError:
        return
    cli.add_command(demo_store_command)


@hookimpl
def demo_store(platform: str, settings: Mapping[str, Any]) -> DemoStoreHandle | None:
    """Start the local demo store and return how to connect to it."""
    try:
        from .demo_store.catalog_admin import DemoCatalogAdmin
        from .demo_store.server import DemoStoreServer
    except ImportError as exc:
        raise RuntimeError(
            "The BigCommerce demo store is not available in this installation "
            f"(claudery_bigcommerce.demo_store could not be imported: {exc})."
        ) from None
    server = DemoStoreServer().start()
    base_url = server.base_url
    return DemoStoreHandle(
        base_url=base_url,
        credentials=creds.normalize_credentials(
            {"store_hash": server.store_hash, "access_token": server.access_token}
        ),
        settings={"BIGCOMMERCE_API_URL": base_url},
        stop=server.stop,
        admin=DemoCatalogAdmin(server),
    )


def _closing(client: BigCommerceClient, fetch: Any) -> Iterator[Any]:
    """Run a client-based listing and release the client's connections at its end."""
    try:
        yield from fetch(client)
    finally:
        client.close()
