"""The plugin contract: every hook a platform plugin may implement, and the types they exchange.

This module is the whole API between the hub and a platform plugin. A plugin is any object (usually a
module) whose functions carry the ``@hookimpl`` marker and whose names match the specifications
below; it is found through the ``claudery_hub.plugins`` entry-point group (see ``hub.plugins``).

Two kinds of hook:

* **Platform hooks** take ``platform`` (the platform key) as their first argument. The host calls them
  on the one plugin that declared that key through :func:`platform_info`, never on the others, so a
  plugin need not check the key itself. They are ``firstresult``: the plugin's answer is the answer.
* **Host hooks** (:func:`register_commands`) are called on every plugin.

Design rules that keep the contract platform-neutral (BigCommerce today, Shopify next):

* Platform ids (products, variants, images, categories, brands) are **strings** everywhere: Shopify's
  are ``gid://shopify/Product/123``.
* Cursors are **opaque strings** that only the plugin that made them can read. The hub stores them and
  hands them back; it never parses them.
* Rate limiting, retries, pagination and concurrency are the plugin's business: the hub only sees
  pages of records, and how long the plugin waited on the platform's rate limit.
* Credentials reach a plugin as the plain ``dict`` its own schema loaded, decrypted just for the call.
  A plugin must never log them, put them in exception messages or return them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import marshmallow

PROJECT_NAME = "claudery_hub"
ENTRY_POINT_GROUP = "claudery_hub.plugins"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------------------------------
# Types exchanged through the hooks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformInfo:
    """Who a platform plugin is: returned by :func:`platform_info`."""

    key: str  #: stable identifier stored with each site, e.g. ``"bigcommerce"``; ``[a-z0-9_]+``
    display_name: str  #: shown in the platform dropdown, e.g. ``"BigCommerce"``
    description: str = ""  #: one sentence shown under the dropdown
    docs_url: str = ""  #: where a merchant learns how to create the credentials


class ErrorKind(enum.StrEnum):
    """Why a call to a platform failed, so the hub can say what to do and whether to retry.

    ``config``/``auth``/``scope``/``not_found`` need the merchant to change something; ``rate_limited``,
    ``unavailable`` and ``network`` are transient; ``unknown`` is a bug or an undocumented answer.
    """

    CONFIG = "config"  #: a credential value is malformed or inconsistent
    AUTH = "auth"  #: the token is wrong, expired or revoked
    SCOPE = "scope"  #: the token lacks a permission the hub needs
    NOT_FOUND = "not_found"  #: the store does not exist (wrong store hash / shop domain)
    RATE_LIMITED = "rate_limited"  #: the platform asked us to slow down
    UNAVAILABLE = "unavailable"  #: the platform is down or the store is suspended (5xx)
    NETWORK = "network"  #: timeout, DNS, TLS or connection error
    UNKNOWN = "unknown"  #: anything else

    @property
    def needs_merchant(self) -> bool:
        """True when retrying cannot help: the merchant must fix the credentials or permissions."""
        return self in (ErrorKind.CONFIG, ErrorKind.AUTH, ErrorKind.SCOPE, ErrorKind.NOT_FOUND)


class PlatformError(Exception):
    """Raised by a platform hook when a call fails after the plugin's own retries.

    ``message`` is shown to the merchant as is: it says what went wrong *and what to do*, and never
    contains a secret.
    """

    def __init__(self, kind: ErrorKind, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.retry_after = retry_after


@dataclass
class StoreInfo:
    """What the connection test learned about the store (all optional: scopes may hide some)."""

    name: str | None = None
    domain: str | None = None
    secure_url: str | None = None
    currency: str | None = None
    product_count: int | None = None
    #: platform-specific extras shown as "label: value" pairs, e.g. {"Plan": "Standard"}
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class ConnectionResult:
    """The answer of :func:`test_connection`."""

    ok: bool
    message: str  #: one or two sentences for the merchant; on failure, what to fix
    error_kind: ErrorKind | None = None  #: set when ``ok`` is False
    store: StoreInfo | None = None
    #: non-fatal findings, e.g. "the optional Information & Settings scope is not granted"
    warnings: list[str] = field(default_factory=list)
    retry_after: float | None = None  #: seconds, when ``error_kind`` is ``rate_limited``


@dataclass(frozen=True)
class PluginContext:
    """What the host gives every platform hook besides the credentials."""

    #: the hub's configuration (Flask ``app.config``); plugins read their own keys from it,
    #: e.g. ``BIGCOMMERCE_API_URL``
    settings: Mapping[str, Any]
    #: the ``User-Agent`` the hub asks plugins to send
    user_agent: str = "ClauderyHub"
    #: returns True when the host wants the call to stop early (cancel, worker shutdown); a long
    #: running hook checks it between requests and returns/stops iterating cleanly
    should_stop: Callable[[], bool] = lambda: False


# ----- catalog records --------------------------------------------------------------------------


@dataclass
class Variant:
    """One purchasable variant of a product."""

    id: str
    sku: str | None = None
    price: str | None = None  #: decimal as a string, never a float: prices must not drift
    #: the reduced price when on sale, else None (BigCommerce's 0 and Shopify's compare-at pair both map here)
    sale_price: str | None = None
    inventory_level: int | None = None
    option_values: list[dict[str, str]] = field(default_factory=list)  #: [{"option": .., "value": ..}]
    image_url: str | None = None


@dataclass
class Image:
    """One product image, in the sizes the platform offers."""

    id: str
    url_standard: str | None = None
    url_thumbnail: str | None = None
    url_zoom: str | None = None
    url_tiny: str | None = None
    is_thumbnail: bool = False
    sort_order: int = 0
    description: str | None = None


@dataclass
class CustomField:
    """A free-form name/value pair the merchant attached to a product."""

    name: str
    value: str
    id: str | None = None


@dataclass
class Product:
    """A product as the hub stores it: normalized across platforms, with the raw payload kept."""

    id: str  #: the platform's product id, as a string
    name: str
    sku: str | None = None
    description: str | None = None  #: HTML as the platform sends it
    price: str | None = None
    sale_price: str | None = None  #: the reduced price when on sale, else None (see Variant.sale_price)
    is_visible: bool = True
    availability: str | None = None  #: e.g. "available", "disabled", "preorder"
    inventory_level: int | None = None
    inventory_tracking: str | None = None
    url_path: str | None = None  #: storefront path, e.g. "/blue-shirt/"
    brand_id: str | None = None
    category_ids: list[str] = field(default_factory=list)
    date_created: datetime | None = None
    date_modified: datetime | None = None
    variants: list[Variant] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    custom_fields: list[CustomField] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  #: the platform's record, as received


@dataclass
class RecordError:
    """A record the platform sent that could not be used: recorded, and the sync goes on."""

    product_id: str | None  #: None when even the id was unreadable
    message: str  #: what was wrong, e.g. "name is null"


@dataclass
class Category:
    """A catalog category (Shopify: a collection)."""

    id: str
    name: str
    parent_id: str | None = None
    url_path: str | None = None
    is_visible: bool = True


@dataclass
class Brand:
    """A brand (Shopify: a vendor)."""

    id: str
    name: str


class FetchMode(enum.StrEnum):
    """What :func:`fetch_products` is asked for."""

    FULL = "full"  #: every product
    INCREMENTAL = "incremental"  #: products modified at or after ``FetchRequest.modified_since``


@dataclass(frozen=True)
class FetchRequest:
    """Arguments of :func:`fetch_products`."""

    mode: FetchMode = FetchMode.FULL
    #: for ``incremental``: the hub has already subtracted its clock-skew margin
    modified_since: datetime | None = None
    #: resume point: the ``cursor`` of the last page the hub committed, or None to start
    cursor: str | None = None


@dataclass
class ProductPage:
    """One batch of :func:`fetch_products`: the unit the hub commits atomically."""

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


# --------------------------------------------------------------------------------------------------
# Hook specifications
# --------------------------------------------------------------------------------------------------


@hookspec
def platform_info() -> PlatformInfo | None:
    """Declare the platform this plugin connects to.

    Return a :class:`PlatformInfo`; the host then routes every platform hook for ``info.key`` to this
    plugin only. Return None from a plugin that adds no platform (e.g. one that only adds commands).
    Two plugins declaring the same key is an error: the second is reported as failed.
    """


@hookspec(firstresult=True)
def credential_schema(platform: str) -> type[marshmallow.Schema]:
    """Return the marshmallow Schema *class* of the platform's credentials.

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
    """Normalize and validate credentials as a merchant pasted them, before any API call.

    ``data`` maps field names to raw strings (maybe with whitespace, URLs instead of ids, ...). Return
    the cleaned dict, or raise ``marshmallow.ValidationError`` whose ``messages`` map field names to
    lists of messages that say what was expected. Must not make network calls. Plugins usually
    implement it as ``credential_schema(platform)().load(data)`` with ``@pre_load`` normalizers.
    """


@hookspec(firstresult=True)
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """Check that the credentials work, with real API calls needing only the scopes a sync needs.

    Never raise for an expected failure: return ``ConnectionResult(ok=False, ...)`` with an
    :class:`ErrorKind` and a message saying what to fix. On success fill ``store`` with what the
    platform reveals (name, domain, currency, product count) and ``warnings`` with optional
    permissions that are missing.
    """


@hookspec(firstresult=True)
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the catalog's products as pages, resumable from an opaque cursor.

    Semantics the hub relies on:

    * Each page's ``cursor`` resumes the fetch right after that page: calling again with it must
      yield exactly the products not yet yielded (no loss; a product may repeat, the hub upserts).
    * The fetch must be exact under concurrent changes in the store: a product that exists from the
      start to the end of the fetch is yielded at least once.
    * Malformed records go into ``errors``, not exceptions; a failure that ends the fetch raises
      :class:`PlatformError` after the plugin's own retries (``auth``/``scope`` at once).
    * Between requests, stop (return) when ``context.should_stop()`` is True.
    * One page per platform request is typical (BigCommerce: 250 products); pages must stay small
      enough to hold in memory: the hub's memory must not grow with the catalog.
    """


@hookspec(firstresult=True)
def list_product_ids(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[str]:
    """Yield the id of every product that exists in the store now (for the deletion reconcile).

    The hub archives stored products whose ids were not yielded, only when this iterator ran to
    its end without raising. Use the cheapest listing the platform has (ids only).
    """


@hookspec(firstresult=True)
def fetch_categories(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Category]:
    """Yield every category of the store (Shopify: collections)."""


@hookspec(firstresult=True)
def fetch_brands(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[Brand]:
    """Yield every brand of the store (Shopify: vendors)."""


@hookspec(firstresult=True)
def storefront_product_url(platform: str, store: StoreInfo, product: Product) -> str | None:
    """Return the shopper-facing URL of a product, or None if it cannot be built."""


@hookspec(firstresult=True)
def admin_product_url(platform: str, credentials: Mapping[str, Any], product_id: str) -> str | None:
    """Return the URL where the merchant edits a product in the platform's admin (optional).

    ``credentials`` holds only the site's *non-secret* credential fields (enough to know the store,
    e.g. its handle); ``product_id`` is the platform id as the contract carries it. The hub links
    per-product sync errors to this page ("edit it in your store's admin"). Return None when no
    such page can be addressed.
    """


@dataclass
class EmbedGuide:
    """How a merchant puts the widget's one-line snippet on this platform's storefront."""

    title: str  #: e.g. "Install it on BigCommerce"
    steps: list[str]  #: numbered steps, plain text (the hub escapes them)
    notes: list[str] = field(default_factory=list)  #: alternatives and caveats, plain text
    #: image hosts the storefront's Content-Security-Policy must allow in img-src
    image_hosts: list[str] = field(default_factory=list)


@hookspec(firstresult=True)
def embed_instructions(platform: str, position: str) -> EmbedGuide:
    """Return the steps to install the widget snippet on the platform's storefront.

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
    """Add commands to the ``hub`` command line (called on every plugin).

    Use ``@cli.command()`` on the group you are given; prefer a sub-group named after the plugin.
    """


@dataclass
class DemoStoreHandle:
    """A running demo store, as returned by :func:`demo_store`."""

    base_url: str  #: the value to give the plugin's API URL setting
    credentials: dict[str, Any]  #: credentials of a demo store, as ``normalize_credentials`` returns
    settings: dict[str, Any]  #: settings the hub must apply, e.g. {"BIGCOMMERCE_API_URL": base_url}
    stop: Callable[[], None]  #: stops the server
