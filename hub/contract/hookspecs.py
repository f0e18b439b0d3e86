"""Hook specifications: every hook a platform plugin may implement, with the semantics the hub relies on.

Required of a platform plugin: ``platform_info``, ``credential_schema``, ``normalize_credentials``,
``test_connection`` and ``fetch_products``. Everything else is optional: the hub checks
``PlatformInfo.capabilities`` and which hooks exist, and plans around what is missing.

Every platform hook may raise :class:`~hub.contract.platform.StopRequested` when
``context.should_stop()`` turns True, and :class:`~hub.contract.platform.PlatformError` for a failure
after the plugin's own retries. Anything else is a bug: the run fails with the traceback in the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from hub.contract.markers import hookspec
from hub.contract.platform import (
    ConnectionResult,
    DemoStoreHandle,
    EmbedGuide,
    PlatformInfo,
    PluginContext,
    StoreInfo,
    WebhookRegistration,
)
from hub.contract.records import (
    Brand,
    Category,
    ChangeEvent,
    FetchRequest,
    Product,
    ProductPage,
    RecordError,
)

if TYPE_CHECKING:
    import click
    import flask
    import marshmallow


@hookspec
def platform_info() -> PlatformInfo | None:
    """Declare the platform this plugin connects to (required of a platform plugin).

    Return a :class:`PlatformInfo` with ``contract_version=2`` and the capabilities the plugin has; the
    host then routes every platform hook for ``info.key`` to this plugin only. Return None from a plugin
    that adds no platform (e.g. one that only adds commands). A second plugin declaring the same key, an
    unsupported contract version, or a capability whose hook is missing: the plugin is listed as failed.
    """


@hookspec(firstresult=True)
def credential_schema(platform: str) -> type[marshmallow.Schema]:
    """Return the marshmallow Schema *class* of the platform's credentials (required).

    The hub builds the credential form, the CLI's JSON input and the secret handling from it. Each
    field carries its UI in ``metadata``:

    * ``label`` (str): the field's label; ``help`` (str): where to find the value;
      ``placeholder`` (str): an example value;
    * ``secret`` (bool): encrypted at rest, never sent back to the browser (the edit form shows a
      mask), never logged;
    * ``order`` (int, optional): position in the form (default: declaration order).

    ``required=True`` marks required fields. Field names are the keys of the credentials dict.
    """


@hookspec(firstresult=True)
def normalize_credentials(platform: str, data: dict[str, str]) -> dict[str, Any]:
    """Normalize and validate credentials as a merchant pasted them, before any API call (required).

    ``data`` maps field names to raw strings (maybe with whitespace, URLs instead of ids, ...). Return
    the cleaned dict, or raise ``marshmallow.ValidationError`` whose ``messages`` map field names to
    lists of messages that say what was expected. Must not make network calls.
    """


@hookspec(firstresult=True)
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """Check that the credentials work, with real API calls needing only the scopes a sync needs (required).

    Never raise for an expected failure: return ``ConnectionResult(ok=False, ...)`` with an
    :class:`ErrorKind` and a message saying what to fix. On success fill ``store`` with what the
    platform reveals (name, domain, currency, product count) and ``warnings`` with optional
    permissions that are missing, or with broader access than the hub needs.
    """


@hookspec(firstresult=True)
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the catalog's products as pages, resumable from an opaque cursor (required).

    Semantics the hub relies on:

    * Each page's ``cursor`` resumes the fetch right after that page: calling again with it must
      yield the products not yet yielded (a product may repeat; the hub upserts by id).
    * With ``Capability.EXACT_PAGING``: a product that exists from the start to the end of a full fetch
      is yielded at least once, whatever else changes meanwhile. Without it, the hub checks each full
      walk against ``list_product_ids`` and repairs it (``fetch_products_by_ids``, or a later walk).
    * ``FetchMode.INCREMENTAL`` is asked for only with ``Capability.INCREMENTAL``: yield every product
      with ``date_modified >= request.modified_since`` (an aware UTC instant, inclusive).
    * Malformed records go into ``errors``, not exceptions; a failure that ends the fetch raises
      :class:`PlatformError` after the plugin's own retries (``auth``/``scope`` at once).
    * Between requests, stop when ``context.should_stop()`` is True (return, or raise StopRequested).
    * Keep pages small enough to hold a few in memory (a few hundred products): the hub's memory must not
      grow with the catalog. ``ProductPage.requests``/``rate_limit_wait`` report the work done.
    * A page may hold no products and still carry a cursor (e.g. to commit progress of a long export):
      the hub commits its cursor like any other page.
    * The hub may run this iterator in a child process forked for the walk (``HUB_SYNC_FETCH_PROCESS``,
      on by default): ``context``'s callbacks work as anywhere (they are carried to the worker), the
      credentials and settings are the run's, but anything the plugin changes in module-level memory stays
      in that child. Keep a fetch's state in the fetch (as the hooks must anyway: workers are separate
      processes), and create clients and sessions inside the call, not at import.
    * With that child, a full sync starts this iterator before it calls ``fetch_categories`` and
      ``fetch_brands`` (in the worker), and stores its pages after them: requests of both may be in flight
      at once, so pace from the platform's answers, not only from a count kept in one process.
    """


@hookspec(firstresult=True)
def fetch_products_by_ids(
    platform: str, credentials: dict[str, Any], ids: list[str], context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the products with these ids, in as few requests as the platform allows (optional).

    Declared by ``Capability.FETCH_BY_IDS``. Ids the platform no longer has are simply not yielded (the
    hub treats them as deleted only if they are also absent from a complete ``list_product_ids``).
    Pages' ``cursor`` is ignored. Like ``fetch_products``, it may run in a forked child process.
    """


@hookspec(firstresult=True)
def list_product_ids(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[str]:
    """Yield the id of every product that exists in the store now (optional; ``Capability.LIST_IDS``).

    The hub archives stored products whose ids were not yielded, only when this iterator ran to its end
    without a stop or an error. Use the cheapest listing the platform has (ids only); report requests
    and waits through ``context.record_usage``.
    """


@hookspec(firstresult=True)
def fetch_categories(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Category | RecordError]:
    """Yield every category of the store (optional; ``Capability.TAXONOMY``).

    Yield a :class:`RecordError` for an item that could not be read: the hub then adds and updates what
    it got but deletes nothing (the listing is incomplete). Likewise when the iterator ends on a stop.
    The hub lists categories and brands at the same time, on two threads of the worker (and, in a full
    sync, while ``fetch_products`` runs in its fetch process): keep each call's state in the call.
    """


@hookspec(firstresult=True)
def fetch_brands(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Brand | RecordError]:
    """Yield every brand (or vendor) of the store (optional; ``Capability.TAXONOMY``), as categories."""


@hookspec(firstresult=True)
def storefront_product_url(platform: str, store: StoreInfo, product: Product) -> str | None:
    """Return the shopper-facing URL of a product, or None if it cannot be built (optional).

    ``store`` is what the last successful connection test returned. ``product`` is rebuilt from the
    hub's database and carries ``id``, ``name``, ``sku``, ``url``, ``url_path``, ``handle``,
    ``brand_ids``, ``category_ids`` and ``raw`` (the platform's record); variants, images and custom
    fields are empty. Without this hook the hub uses ``product.url``.
    """


@hookspec(firstresult=True)
def admin_product_url(platform: str, credentials: Mapping[str, Any], product_id: str) -> str | None:
    """Return the URL where the merchant edits a product in the platform's admin (optional).

    ``credentials`` holds only the site's *non-secret* credential fields (enough to know the store,
    e.g. its handle); ``product_id`` is the platform id as the contract carries it. The hub links
    per-product sync errors to this page ("edit it in your store's admin"). Return None when no
    such page can be addressed.
    """


@hookspec(firstresult=True)
def embed_instructions(platform: str, position: str) -> EmbedGuide:
    """Return the steps to install the widget snippet on the platform's storefront (optional).

    ``position`` is where the launcher will appear ("bottom-right", ...), for the last step's wording.
    Without this hook the hub shows generic instructions (paste before ``</body>``).
    """


@hookspec(firstresult=True)
def demo_store(platform: str, settings: Mapping[str, Any]) -> DemoStoreHandle | None:
    """Start a local stand-in for the platform, for a first run with no account (optional).

    Return a running :class:`DemoStoreHandle`; the hub's quick start connects a demo site with its
    credentials and stops it on exit. Return None if the plugin has no demo store.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``hub`` command line (host hook: called on every plugin).

    Use ``@cli.command()`` on the group you are given; prefer a sub-group named after the plugin.
    """


@hookspec
def register_routes() -> flask.Blueprint | None:
    """Return a Flask blueprint of HTTP routes the plugin adds (host hook; optional).

    The hub mounts it under ``/plugin/<entry-point name>/`` (OAuth callbacks, platform callbacks). The
    routes are public: authenticate every request yourself; CSRF protection is off for them.
    """


@hookspec(firstresult=True)
def register_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, secret: str, context: PluginContext
) -> WebhookRegistration:
    """Subscribe ``target_url`` to the store's product changes (``Capability.WEBHOOKS``).

    Idempotent: subscriptions that already point at ``target_url`` are updated (re-enabled, secret
    refreshed), missing ones created, none duplicated. ``secret`` is a per-site random value the hub
    generated; a platform that lets the subscriber set headers should send it with every delivery so that
    ``parse_webhook`` can authenticate them. Never put ``secret`` or a credential in a message or log.
    Raise :class:`PlatformError` when the platform refuses (e.g. ``scope``, or ``config`` for a URL it
    will not deliver to).
    """


@hookspec(firstresult=True)
def webhook_status(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> WebhookRegistration:
    """Report whether the subscriptions for ``target_url`` exist and are enabled (``Capability.WEBHOOKS``).

    ``DEACTIVATED`` when the platform disabled any of them (failed deliveries), ``MISSING`` when none
    exist. The hub's periodic check re-registers both. Read-only: change nothing.
    """


@hookspec(firstresult=True)
def unregister_webhooks(
    platform: str, credentials: dict[str, Any], target_url: str, context: PluginContext
) -> None:
    """Delete every subscription that points at ``target_url`` (``Capability.WEBHOOKS``).

    Called when the site is deleted; subscriptions to other URLs are left alone.
    """


@hookspec(firstresult=True)
def parse_webhook(
    platform: str,
    credentials: dict[str, Any],
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
) -> list[ChangeEvent]:
    """Authenticate one delivery and translate it into neutral change events (``Capability.WEBHOOKS``).

    ``headers`` have lower-case names; ``body`` is the raw request body, exactly as signed. ``secret`` is
    the value given to ``register_webhooks``; ``credentials`` the site's (e.g. an app secret that signs
    deliveries). Raise :class:`~hub.contract.platform.WebhookRejected` when the delivery is not authentic
    (compare in constant time) or unreadable; return ``[]`` for an authentic delivery about something the
    hub does not store. Must not make network calls: the hub answers the platform within 100 ms.
    """
