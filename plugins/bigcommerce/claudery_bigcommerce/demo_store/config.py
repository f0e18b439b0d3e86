"""Configuration of the demo store: stores and credentials, quota, faults, and documented variants.

Every behaviour the API reference marks UNCONFIRMED is a field here, defaulting to the reference's most
likely variant, so a client can be tested against each of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hub.demo_kit import assign_known

PRODUCTS_READ_ONLY = "store_v2_products_read_only"
PRODUCTS_MODIFY = "store_v2_products"
INFORMATION_READ_ONLY = "store_v2_information_read_only"
INFORMATION_MODIFY = "store_v2_information"

DEFAULT_SCOPES: tuple[str, ...] = (PRODUCTS_READ_ONLY, INFORMATION_READ_ONLY)
DEFAULT_STORE_HASH = "demo7x2k9q"
DEFAULT_ACCESS_TOKEN = "demo-token-4f6a1c9e0b7d4e3a8c2f"  # noqa: S105 - a public demo credential


@dataclass
class StoreConfig:
    """One API account on one store. Two entries with the same hash are two accounts on one store.

    ``products`` and ``seed`` default to the top-level values; only the first entry for a hash counts.
    """

    hash: str = DEFAULT_STORE_HASH
    access_token: str = DEFAULT_ACCESS_TOKEN
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    products: int | None = None
    seed: int | None = None
    name: str = "Claudery Demo Store"


@dataclass
class PagingChanges:
    """Catalog churn while a client pages ``GET /v3/catalog/products``.

    After every ``every``-th product-list response (from the ``start_after``-th on), delete ``delete``
    products with the lowest ids, add ``add`` products above the highest id and modify ``modify``
    random products (bumping ``date_modified``). Every change is recorded in the change log.
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
    """Injected faults; every rate is a probability in [0, 1] applied per API request."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    drop_rate: float = 0.0  #: close the socket without answering
    slow_rate: float = 0.0  #: send the body slowly, over ``slow_ms``
    slow_ms: float = 2000.0
    bare_429_rate: float = 0.0  #: 429 without any X-Rate-Limit-* header ("platform under load")
    malformed_rate: float = 0.0  #: products served with a wrong-typed field or a null name
    #: products served with well-typed but hostile values (NUL bytes, a 1e26 price, a 300-character SKU,
    #: a stock level over 2^31, a date without offset): what a platform may really send and a database refuse
    hostile_rate: float = 0.0
    paging_changes: PagingChanges = field(default_factory=PagingChanges)
    seed: int = 1  #: seeds the fault dice, so a run is reproducible


@dataclass
class DemoStoreConfig:
    """Everything the demo store needs; ``DemoStoreServer(DemoStoreConfig())`` serves 500 products."""

    host: str = "127.0.0.1"
    port: int = 0  #: 0 = pick a free port
    products: int = 500
    seed: int = 42
    stores: list[StoreConfig] = field(default_factory=lambda: [StoreConfig()])
    quota: int = 150  #: requests per window per store (Standard plan); 0 = unlimited
    window_ms: int = 30_000
    faults: FaultConfig = field(default_factory=FaultConfig)
    # -- documented-but-unconfirmed variants ------------------------------------------------------
    unknown_hash_status: int = 404  #: 404 (default), 403 or 401 for a store hash that does not exist
    unauthorized_body: str = "json"  #: "json" (webhooks spec example) or "text" (catalog spec: plain/text)
    limit_over_max: str = "413"  #: "413" (status-code doc), "422", or "clamp" for limit > 250
    default_sort: str = "id"  #: default product order (reference: assume id ascending)
    subresource_limit: int = 0  #: truncate included variants/images per product (0 = never)
    empty_images_204: bool = True  #: GET .../images of a product with no images gives 204 (spec)
    #: ``GET /v3/catalog/trees/categories`` (the preferred listing) and ``/v3/catalog/trees``; False: 404, as
    #: from a store or API without category trees (clients fall back to ``/v3/catalog/categories``)
    category_trees: bool = True
    trailing_slash_403: bool = True  #: ".../products/" gives 403 Authentication Required (observed)
    date_only_uses_request_time: bool = True  #: "2025-01-15" filters get the request's time of day
    hooks_require_products_scope: bool = False  #: reject store/product/* hooks without Products scope
    webhook_require_https: bool = False  #: the real API wants https:443; local receivers are http
    webhook_delay_ms: float = 0.0  #: delay before a webhook is delivered
    gzip: bool = False  #: gzip bodies when the client accepts it (BigCommerce "may" gzip)
    serve_images: bool = True  #: product image URLs point at this server's generated /__images/, not the CDN
    cache_products: int = (
        20_000  #: at most this many serialized products kept (FIFO): recent pages, read-ahead
    )
    cache_mb: float = 32  #: ... and at most this many MiB of them (a 250-product page is about 1.7 MB)
    prefetch: bool = True  #: generate the next page in the background while the client parses this one
    change_log_limit: int = 200_000  #: change-log entries kept (oldest dropped)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DemoStoreConfig:
        """Build a config from a (possibly partial) dict such as ``to_dict`` returns."""
        data = dict(data)
        cfg = cls()
        if "stores" in data:
            cfg.stores = [_store_from(s) for s in data.pop("stores")]
        if "faults" in data:
            cfg.faults = faults_from_dict(data.pop("faults"), cfg.faults)
        assign_known(cfg, data)
        return cfg


def _store_from(data: dict[str, Any] | StoreConfig) -> StoreConfig:
    if isinstance(data, StoreConfig):
        return data
    data = dict(data)
    if "scopes" in data:
        scopes = data["scopes"]
        data["scopes"] = tuple(scopes.split() if isinstance(scopes, str) else scopes)
    store = StoreConfig()
    assign_known(store, data)
    return store


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
