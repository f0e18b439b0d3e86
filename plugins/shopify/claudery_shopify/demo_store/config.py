"""Configuration of the Shopify demo store: shops and apps, plans, faults, and documented variants.

Every behaviour ``shopify-api.md`` marks UNCONFIRMED is a field here (see the "guess" comments), defaulting
to the reference's most likely variant, so a client can be tested against each of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hub.demo_kit import assign_known

READ_PRODUCTS = "read_products"
DEFAULT_SCOPES: tuple[str, ...] = (READ_PRODUCTS,)
DEFAULT_HANDLE = "claudery-demo"
DEFAULT_ACCESS_TOKEN = "shpat_demo0f3c9a7e51b24d6c8e0a9b7f"  # noqa: S105 - a public demo credential
DEFAULT_CLIENT_ID = "demo0client0id0a1b2c3d4e5f6a7b8c9"
DEFAULT_CLIENT_SECRET = "shpss_demo0secret0f1e2d3c4b5a69788"  # noqa: S105 - a public demo credential

#: plan -> (bucket size, restore rate per second). Restore rates are documented; the Standard and
#: Advanced buckets were observed; Plus and Enterprise buckets are guesses (20 x restore).
PLANS: dict[str, tuple[float, float]] = {
    "standard": (2000.0, 100.0),
    "advanced": (4000.0, 200.0),
    "plus": (20000.0, 1000.0),
    "enterprise": (40000.0, 2000.0),
}
PLAN_NAMES = {"standard": "Basic", "advanced": "Advanced", "plus": "Shopify Plus", "enterprise": "Enterprise"}
SHOP_STATES = ("active", "frozen", "locked")
#: stable versions as of 2026-11-28 (oldest first), plus the release candidate; "unstable" is always served
SUPPORTED_VERSIONS: tuple[str, ...] = ("2026-01", "2026-04", "2026-07", "2026-10", "2027-01")


@dataclass
class ShopConfig:
    """One app installed on one shop. Two entries with the same handle are two apps on one shop.

    ``products``, ``seed``, ``plan``, ``name`` and ``state`` count from the first entry of a handle.
    """

    handle: str = DEFAULT_HANDLE
    access_token: str = DEFAULT_ACCESS_TOKEN
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET  #: also the webhook HMAC key
    plan: str = "standard"
    state: str = "active"  #: "active" | "frozen" (402) | "locked" (423)
    products: int | None = None
    seed: int | None = None
    name: str = "Claudery Demo Shop"
    currency: str = "USD"


@dataclass
class PagingChanges:
    """Catalog churn while a client pages ``products``.

    After every ``every``-th products-connection response (from the ``start_after``-th on), delete
    ``delete`` products with the lowest ids, create ``add`` products and update ``modify`` random
    products (bumping ``updatedAt``). Every change is in the event log and fires webhooks.
    """

    enabled: bool = False
    every: int = 1
    start_after: int = 1
    delete: int = 2
    add: int = 2
    modify: int = 2
    max_rounds: int = 0  #: stop after this many rounds (0 = no limit)


@dataclass
class FaultConfig:
    """Injected faults; every rate is a probability in [0, 1] applied per GraphQL request."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0  #: HTTP 5xx with an HTML body
    error_statuses: tuple[int, ...] = (500, 502, 503, 504, 530)
    drop_rate: float = 0.0  #: close the socket without answering
    rate_429: float = 0.0  #: HTTP 429 with Retry-After (whether GraphQL ever does this is a guess)
    retry_after_s: float = 2.0
    internal_error_rate: float = 0.0  #: HTTP 200 with a GraphQL INTERNAL_SERVER_ERROR body
    timeout_rate: float = 0.0  #: wait ``timeout_ms`` then answer 504 (Shopify waits <= 10 s)
    timeout_ms: float = 10_000.0
    throttle_next: int = 0  #: answer THROTTLED to the next N GraphQL requests, whatever the bucket
    malformed_rate: float = 0.0  #: products served with a null title, a non-numeric price or bad HTML
    paging_changes: PagingChanges = field(default_factory=PagingChanges)
    seed: int = 1  #: seeds the fault dice, so a run is reproducible


@dataclass
class DemoStoreConfig:
    """Everything the demo store needs; ``DemoStoreServer(DemoStoreConfig())`` serves 500 products."""

    host: str = "127.0.0.1"
    port: int = 0  #: 0 = pick a free port
    products: int = 500
    seed: int = 42
    shops: list[ShopConfig] = field(default_factory=lambda: [ShopConfig()])
    faults: FaultConfig = field(default_factory=FaultConfig)
    # -- cost and throttling ----------------------------------------------------------------------
    throttle: bool = True  #: False = the bucket never runs dry (costs are still computed and reported)
    bucket_size: float | None = None  #: override the plan's bucket (guess for Plus/Enterprise)
    restore_rate: float | None = None  #: override the plan's restore rate
    max_query_cost: int = 1000  #: single-query limit (documented)
    cost_formula: str = "log"  #: guess: "log" (2 + floor(2 ln first) x node, fits captures) or "linear"
    time_scale: float = 1.0  #: the demo clock runs this many times faster than real time
    # -- auth ---------------------------------------------------------------------------------------
    token_lifetime_s: float = 86_399.0  #: client-credentials tokens expire after this (documented 24 h)
    client_credentials_error_status: int = 400  #: guess: HTTP status of shop_not_permitted
    # -- routing and versions ---------------------------------------------------------------------
    supported_versions: tuple[str, ...] = SUPPORTED_VERSIONS
    invalid_version: str = "404"  #: guess: a non-release version string gives "404" or "fall_forward"
    unknown_shop_body: str = "json"  #: guess: unknown shop 404 body "json" ({"errors":"Not Found"}) or "html"
    locked_body: str = "The requested shop is currently locked"  #: guess: exact 423 text
    # -- data semantics -----------------------------------------------------------------------------
    search_index_lag_s: float = (
        0.0  #: observed, size unknown: filtered queries miss products changed this recently
    )
    status_filter_default: str = "all"  #: guess: products without status: filter return "all" or "active"
    inventory_requires_read_inventory: bool = False  #: guess: totalInventory/inventoryQuantity scope
    variants_count_ignores_query: bool = True  #: observed: productVariantsCount(query:) counts every variant
    max_variants: int = 2000  #: the largest generated product (Shopify allows 2,048)
    max_media: int = 50  #: most media per generated product (the real limit is a guess: 250)
    # -- bulk operations ----------------------------------------------------------------------------
    bulk_polls: int = 2  #: a bulk query completes on the N-th poll after it was created ...
    bulk_seconds: float = 0.0  #: ... or (if > 0) once this many demo-clock seconds have passed
    bulk_concurrency: int = (
        0  #: concurrent bulk queries per app and shop; 0 = by version (1 <= 2025-10, 5 after)
    )
    # -- webhooks -------------------------------------------------------------------------------------
    webhook_require_https: bool = False  #: the real API wants https; local receivers are http
    webhook_retries: int = 2  #: re-deliveries after a non-2xx (Shopify: 8 over ~4 h)
    webhook_retry_delay_ms: float = 200.0
    webhook_duplicate_rate: float = 0.0  #: deliver some events twice (same X-Shopify-Webhook-Id)
    webhook_reorder_rate: float = 0.0  #: let the next delivery overtake this one (no ordering guarantee)
    webhook_delay_ms: float = 0.0
    cache_products: int = 5000  #: generated products kept (LRU) for repeated reads
    event_log_limit: int = 200_000  #: event-log entries kept (oldest dropped)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoStoreConfig:
        """Build a config from a (possibly partial) dict such as ``to_dict`` returns."""
        data = dict(data)
        cfg = cls()
        if "shops" in data:
            cfg.shops = [shop_from(s) for s in data.pop("shops")]
        if "faults" in data:
            cfg.faults = faults_from_dict(data.pop("faults"), cfg.faults)
        if "supported_versions" in data:
            data["supported_versions"] = tuple(data["supported_versions"])
        assign_known(cfg, data)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Raise ValueError for settings that cannot work."""
        for shop in self.shops:
            if shop.plan not in PLANS:
                raise ValueError(f"unknown plan {shop.plan!r}: one of {', '.join(PLANS)}")
            if shop.state not in SHOP_STATES:
                raise ValueError(f"unknown shop state {shop.state!r}: one of {', '.join(SHOP_STATES)}")
        if self.cost_formula not in ("log", "linear"):
            raise ValueError("cost_formula is 'log' or 'linear'")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if not 1 <= self.max_variants <= 2048:
            raise ValueError("max_variants must be between 1 and 2048")
        if not 0 <= self.max_media <= 60:
            raise ValueError("max_media must be between 0 and 60")


def shop_from(data: dict[str, Any] | ShopConfig) -> ShopConfig:
    """A ShopConfig from a dict (``scopes`` may be a comma- or space-separated string)."""
    if isinstance(data, ShopConfig):
        return data
    data = dict(data)
    if "scopes" in data:
        scopes = data["scopes"]
        data["scopes"] = tuple(scopes.replace(",", " ").split() if isinstance(scopes, str) else scopes)
    shop = ShopConfig()
    assign_known(shop, data)
    return shop


def faults_from_dict(data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
    """Return ``base`` (or defaults) updated with the given partial fault settings."""
    faults = FaultConfig(**asdict(base)) if base is not None else FaultConfig()
    if isinstance(faults.paging_changes, dict):
        faults.paging_changes = PagingChanges(**faults.paging_changes)
    data = dict(data)
    if "paging_changes" in data:
        pc = data.pop("paging_changes")
        changes = PagingChanges(**asdict(faults.paging_changes))
        if isinstance(pc, bool):
            changes.enabled = pc
        else:
            assign_known(changes, pc)
        faults.paging_changes = changes
    if "error_statuses" in data:
        data["error_statuses"] = tuple(int(s) for s in data["error_statuses"])
    assign_known(faults, data)
    return faults
