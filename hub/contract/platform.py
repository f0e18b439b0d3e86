"""Who a plugin is and how a call went: platform description, capabilities, errors, context."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.contract.markers import CONTRACT_VERSION


class Capability(enum.StrEnum):
    """What a platform plugin can do beyond the required hooks; the engine plans each run from these.

    A capability whose hook is missing is an error the host reports when it loads the plugin.
    """

    #: ``fetch_categories`` and/or ``fetch_brands`` list the store's taxonomy
    TAXONOMY = "taxonomy"
    #: ``list_product_ids`` lists every current product id cheaply (deletion reconcile)
    LIST_IDS = "list_ids"
    #: ``fetch_products_by_ids`` fetches a given set of products (repairs, live updates)
    FETCH_BY_IDS = "fetch_by_ids"
    #: ``fetch_products`` pages *exactly* under concurrent change: a product that exists from the start to
    #: the end of a full fetch is yielded at least once (keyset/cursor paging). Without it the engine
    #: verifies each full walk against an id listing and repairs what the paging missed.
    EXACT_PAGING = "exact_paging"
    #: ``fetch_products`` honours ``FetchMode.INCREMENTAL`` (products modified since an instant);
    #: without it every scheduled sync is a full walk
    INCREMENTAL = "incremental"
    #: the platform can push product changes (webhooks): ``register_webhooks``, ``webhook_status``,
    #: ``unregister_webhooks`` and ``parse_webhook``; the hub applies them with ``fetch_products_by_ids``
    WEBHOOKS = "webhooks"


#: the hook each capability promises
CAPABILITY_HOOKS: dict[Capability, tuple[str, ...]] = {
    Capability.TAXONOMY: ("fetch_categories", "fetch_brands"),  # at least one of them
    Capability.LIST_IDS: ("list_product_ids",),
    Capability.FETCH_BY_IDS: ("fetch_products_by_ids",),
    Capability.WEBHOOKS: ("parse_webhook",),
}


@dataclass(frozen=True)
class PlatformInfo:
    """Who a platform plugin is: returned by :func:`~hub.contract.hookspecs.platform_info`."""

    key: str  #: stable identifier stored with each site, e.g. ``"acme"``; ``[a-z0-9_]+``
    display_name: str  #: shown in the platform dropdown
    description: str = ""  #: one sentence shown under the dropdown
    docs_url: str = ""  #: where a merchant learns how to create the credentials
    #: the contract version the plugin was built for; the host loads only supported versions
    contract_version: int = 1
    capabilities: frozenset[Capability] = frozenset()
    #: the prefix of the settings the plugin reads (default ``KEY_`` upper-cased, e.g. ``ACME_``); the
    #: plugin's ``context.settings`` holds only keys with this prefix plus the general ``HUB_HTTP_*`` ones
    settings_prefix: str = ""
    #: seconds a change may take to show up in the platform's "modified since" listing (a search index
    #: that lags); the engine widens each incremental sync's window by this much on top of its own margin
    incremental_lag_seconds: float = 0.0

    def has(self, capability: Capability) -> bool:
        """True when the plugin declares ``capability``."""
        return capability in self.capabilities

    @property
    def prefix(self) -> str:
        """The effective settings prefix."""
        return self.settings_prefix or self.key.upper() + "_"


class ErrorKind(enum.StrEnum):
    """Why a call to a platform failed, so the hub can say what to do and whether to retry.

    ``config``/``auth``/``scope``/``not_found`` need the merchant to change something; ``rate_limited``,
    ``unavailable`` and ``network`` are transient (the hub retries later); ``unknown`` is a bug or an
    undocumented answer (the hub fails the run, logs it, and does not retry).
    """

    CONFIG = "config"  #: a credential value is malformed or inconsistent
    AUTH = "auth"  #: the token is wrong, expired or revoked
    SCOPE = "scope"  #: the token lacks a permission the hub needs
    NOT_FOUND = "not_found"  #: the store does not exist (wrong store identifier / shop domain)
    RATE_LIMITED = "rate_limited"  #: the platform asked us to slow down
    UNAVAILABLE = "unavailable"  #: the platform is down or the store is suspended (5xx)
    NETWORK = "network"  #: timeout, DNS, TLS or connection error
    UNKNOWN = "unknown"  #: anything else

    @property
    def needs_merchant(self) -> bool:
        """True when retrying cannot help: the merchant must fix the credentials or permissions."""
        return self in (ErrorKind.CONFIG, ErrorKind.AUTH, ErrorKind.SCOPE, ErrorKind.NOT_FOUND)

    @property
    def transient(self) -> bool:
        """True when the same call may work later (the engine retries the run from its cursor)."""
        return self in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.NETWORK)


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


class StopRequested(Exception):
    """Raised by any hook (or :meth:`PluginContext.check_stop`) when the host asked it to stop.

    Stopping is normal: the engine ends the run as cancelled, or requeues it at its last committed
    cursor on shutdown. A hook may equally just return / end its iterator; the engine then checks
    ``should_stop()`` itself and treats an iterator that ended on a stop as *incomplete*.
    """


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
    """The answer of :func:`~hub.contract.hookspecs.test_connection`."""

    ok: bool
    message: str  #: one or two sentences for the merchant; on failure, what to fix
    error_kind: ErrorKind | None = None  #: set when ``ok`` is False
    store: StoreInfo | None = None
    #: non-fatal findings: a missing optional permission, or a token with *more* access than the hub
    #: needs ("least privilege": name the read-only scopes to use instead)
    warnings: list[str] = field(default_factory=list)
    retry_after: float | None = None  #: seconds, when ``error_kind`` is ``rate_limited``


def _no_save(new: Mapping[str, Any]) -> None:
    return None


def _no_usage(**counts: float) -> None:
    return None


@dataclass(frozen=True)
class PluginContext:
    """What the host gives every platform hook besides the credentials."""

    #: the plugin's own settings: keys with its prefix (``PlatformInfo.prefix``, e.g. ``ACME_API_URL``)
    #: plus ``HUB_HTTP_CONNECT_TIMEOUT`` and ``HUB_HTTP_READ_TIMEOUT``; never the hub's secrets
    settings: Mapping[str, Any]
    #: the ``User-Agent`` the hub asks plugins to send
    user_agent: str = "ClauderyHub"
    #: True when the host wants the call to stop (cancel, worker shutdown); check between requests
    should_stop: Callable[[], bool] = lambda: False
    #: persist new credentials for the site (refreshed or rotated tokens); takes the whole credentials dict.
    #: Keys that are not non-secret schema fields (secret fields, and keys the schema does not declare, such
    #: as an issued token and its expiry) are stored encrypted and never shown on the form. Safe from any
    #: thread. Outside a stored site (a connection test of unsaved values) it does nothing.
    save_credentials: Callable[[Mapping[str, Any]], None] = _no_save
    #: report work done outside :class:`~hub.contract.records.ProductPage` (listing ids, taxonomy):
    #: ``record_usage(requests=1, rate_limit_wait=0.5, throttled=1)``; safe from any thread
    record_usage: Callable[..., None] = _no_usage

    def check_stop(self) -> None:
        """Raise :class:`StopRequested` when the host asked to stop."""
        if self.should_stop():
            raise StopRequested


class WebhookState(enum.StrEnum):
    """Where a site's webhook subscriptions stand at the platform."""

    ACTIVE = "active"  #: every subscription the hub needs exists and is enabled
    DEACTIVATED = "deactivated"  #: the platform disabled (or deleted) them after failed deliveries
    MISSING = "missing"  #: none exist for this target URL (never registered, or removed by hand)


@dataclass
class WebhookRegistration:
    """The answer of ``register_webhooks`` / ``webhook_status``."""

    state: WebhookState
    message: str = ""  #: one sentence for the merchant, e.g. "3 subscriptions active"
    #: how many subscriptions the platform holds for the target (informational)
    subscriptions: int = 0


class WebhookRejected(Exception):
    """Raised by ``parse_webhook`` for a delivery that is not authentic (bad or missing signature or secret,
    a signature timestamp outside the tolerance) or cannot be read.

    The hub answers 401 without detail (``reason`` goes to the hub's log only, never a secret in it).
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class EmbedGuide:
    """How a merchant puts the widget's one-line snippet on this platform's storefront."""

    title: str  #: e.g. "Install it on <platform>"
    steps: list[str]  #: numbered steps, plain text (the hub escapes them)
    notes: list[str] = field(default_factory=list)  #: alternatives and caveats, plain text
    #: image hosts the storefront's Content-Security-Policy must allow in img-src
    image_hosts: list[str] = field(default_factory=list)


@dataclass
class DemoStoreHandle:
    """A running demo store, as returned by :func:`~hub.contract.hookspecs.demo_store`."""

    base_url: str  #: the value to give the plugin's API URL setting
    credentials: dict[str, Any]  #: credentials of a demo store, as ``normalize_credentials`` returns
    settings: dict[str, Any]  #: settings the hub must apply, e.g. {"<PREFIX>API_URL": base_url}
    stop: Callable[[], None]  #: stops the server
    #: optional: changes the demo catalog, for the conformance suite's live checks (see
    #: :class:`~hub.contract.records.CatalogAdmin`)
    admin: Any = None


__all__ = [
    "CAPABILITY_HOOKS",
    "CONTRACT_VERSION",
    "Capability",
    "ConnectionResult",
    "DemoStoreHandle",
    "EmbedGuide",
    "ErrorKind",
    "PlatformError",
    "PlatformInfo",
    "PluginContext",
    "StopRequested",
    "StoreInfo",
    "WebhookRegistration",
    "WebhookRejected",
    "WebhookState",
]
