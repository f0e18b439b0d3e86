"""The plugin contract (version 2): every hook a platform plugin may implement, and the types they exchange.

This package is the whole API between the hub and a platform plugin; a plugin author reads it (and
``plugins/_template``), never ``hub/sync``. A plugin is any object (usually a module) whose functions
carry the ``@hookimpl`` marker and whose names match the specifications in
:mod:`hub.contract.hookspecs`; it is found through the ``claudery_hub.plugins`` entry-point group.

* :mod:`~hub.contract.platform`: who a plugin is (:class:`PlatformInfo`, :class:`Capability`), how a call
  went (:class:`ErrorKind`, :class:`PlatformError`, :class:`StopRequested`, :class:`ConnectionResult`) and
  what the host provides (:class:`PluginContext`).
* :mod:`~hub.contract.records`: the normalized catalog records (:class:`Product` ...).
* :mod:`~hub.contract.hookspecs`: the hooks. **Platform hooks** take ``platform`` first and reach only
  the plugin that declared that key (``firstresult``); **host hooks** (``register_commands``,
  ``register_routes``) are called on every plugin.

Design rules that keep the contract platform-neutral:

* Platform ids (products, variants, images, categories, brands) are **strings** everywhere.
* Cursors are **opaque strings** that only the plugin that made them can read. The hub stores them and
  hands them back; it never parses them.
* Rate limiting, retries, pagination and concurrency are the plugin's business: the hub only sees
  pages of records and the work reported (requests, rate-limit waits).
* Credentials reach a plugin as the plain ``dict`` its own schema loaded, decrypted just for the call.
  A plugin must never log them, put them in exception messages or return them; refreshed tokens go back
  through ``PluginContext.save_credentials``.
* Times are timezone-aware UTC.
"""

from __future__ import annotations

from hub.contract.hookspecs import (
    admin_product_url,
    credential_schema,
    demo_store,
    embed_instructions,
    fetch_brands,
    fetch_categories,
    fetch_products,
    fetch_products_by_ids,
    list_product_ids,
    normalize_credentials,
    parse_webhook,
    platform_info,
    register_commands,
    register_routes,
    register_webhooks,
    storefront_product_url,
    test_connection,
    unregister_webhooks,
    webhook_status,
)
from hub.contract.markers import (
    CONTRACT_VERSION,
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    SUPPORTED_CONTRACT_VERSIONS,
    hookimpl,
    hookspec,
)
from hub.contract.platform import (
    CAPABILITY_HOOKS,
    Capability,
    ConnectionResult,
    DemoStoreHandle,
    EmbedGuide,
    ErrorKind,
    PlatformError,
    PlatformInfo,
    PluginContext,
    StopRequested,
    StoreInfo,
    WebhookRegistration,
    WebhookRejected,
    WebhookState,
)
from hub.contract.records import (
    Brand,
    CatalogAdmin,
    Category,
    ChangeEvent,
    ChangeKind,
    CustomField,
    FetchMode,
    FetchRequest,
    Image,
    Product,
    ProductPage,
    RecordError,
    TaxonomyItem,
    Variant,
)

#: the optional platform hooks (the rest are required of a platform plugin)
OPTIONAL_HOOKS = frozenset(
    {
        "fetch_products_by_ids",
        "list_product_ids",
        "fetch_categories",
        "fetch_brands",
        "storefront_product_url",
        "admin_product_url",
        "embed_instructions",
        "demo_store",
        "register_webhooks",
        "webhook_status",
        "unregister_webhooks",
        "parse_webhook",
    }
)
REQUIRED_HOOKS = frozenset(
    {"credential_schema", "normalize_credentials", "test_connection", "fetch_products"}
)

__all__ = [
    "CAPABILITY_HOOKS",
    "CONTRACT_VERSION",
    "ENTRY_POINT_GROUP",
    "OPTIONAL_HOOKS",
    "PROJECT_NAME",
    "REQUIRED_HOOKS",
    "SUPPORTED_CONTRACT_VERSIONS",
    "Brand",
    "Capability",
    "CatalogAdmin",
    "Category",
    "ChangeEvent",
    "ChangeKind",
    "ConnectionResult",
    "CustomField",
    "DemoStoreHandle",
    "EmbedGuide",
    "ErrorKind",
    "FetchMode",
    "FetchRequest",
    "Image",
    "PlatformError",
    "PlatformInfo",
    "PluginContext",
    "Product",
    "ProductPage",
    "RecordError",
    "StopRequested",
    "StoreInfo",
    "TaxonomyItem",
    "Variant",
    "WebhookRegistration",
    "WebhookRejected",
    "WebhookState",
    "admin_product_url",
    "credential_schema",
    "demo_store",
    "embed_instructions",
    "fetch_brands",
    "fetch_categories",
    "fetch_products",
    "fetch_products_by_ids",
    "hookimpl",
    "hookspec",
    "list_product_ids",
    "normalize_credentials",
    "parse_webhook",
    "platform_info",
    "register_commands",
    "register_routes",
    "register_webhooks",
    "storefront_product_url",
    "test_connection",
    "unregister_webhooks",
    "webhook_status",
]
