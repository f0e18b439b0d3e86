"""The plugin's settings: the ``SHOPIFY_*`` keys it reads from the hub configuration, with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.plugin_kit import bounded

#: where the Admin API of a shop lives; ``{shop}`` is the shop's handle (tests: ``http://127.0.0.1:P/shops/{shop}``)
DEFAULT_API_URL = "https://{shop}.myshopify.com"
#: the pinned Admin API version (a stable release as of 2026-11; supported at least until 2027-10)
DEFAULT_API_VERSION = "2026-10"
#: Shopify's documented maximum for ``first`` on every connection
MAX_PAGE_SIZE = 250
#: Shopify's single-query limit on the requested cost, on every plan
MAX_QUERY_COST = 1000


@dataclass(frozen=True)
class ShopifySettings:
    """Typed view of the ``SHOPIFY_*`` keys (and the shared ``HUB_HTTP_*`` timeouts)."""

    api_url: str = DEFAULT_API_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    #: retries of a transient failure (5xx, 530, INTERNAL_SERVER_ERROR, timeout, dropped connection, 429)
    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 30.0
    #: the longest the plugin waits on the cost bucket for one request before giving the run back
    max_throttle_wait: float = 300.0
    #: requests in flight at once while completing products' nested connections (1: one at a time)
    max_concurrency: int = 4
    #: products per page (the cost model may lower it so no query exceeds the single-query maximum)
    page_size: int = MAX_PAGE_SIZE
    #: first page of each nested connection; a product with more is completed with its own paging
    variants_first: int = 50
    media_first: int = 20
    metafields_first: int = 10
    collections_first: int = 10
    #: the requested-cost ceiling of one query (Shopify refuses above 1,000)
    max_query_cost: int = MAX_QUERY_COST
    #: seconds subtracted from ``modified_since`` in the search filter (Shopify filters to the second)
    incremental_margin: float = 1.0
    #: a full fetch of a catalog with at least this many products uses a bulk operation (0: never);
    #: ``shopify-api.md`` §5.6: bulk above ~2,000 products
    bulk_threshold: int = 2000
    #: seconds between polls of a running bulk operation (doubled up to ``bulk_poll_cap``)
    bulk_poll_interval: float = 1.0
    bulk_poll_cap: float = 30.0
    #: products per page yielded from a bulk file
    bulk_page_size: int = 250
    #: refresh a client-credentials token this many seconds before it expires
    token_refresh_margin: float = 300.0

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any] | None) -> ShopifySettings:
        """Read the settings from the hub configuration, falling back to defaults for missing keys."""
        s = settings or {}

        def num(key: str, default: float, lo: float, hi: float) -> float:
            return bounded(s, key, default, lo, hi)

        def first(key: str, default: int) -> int:
            return int(num(key, default, 1, MAX_PAGE_SIZE))

        api_url = str(s.get("SHOPIFY_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
        return cls(
            api_url=api_url,
            connect_timeout=num(
                "SHOPIFY_CONNECT_TIMEOUT", num("HUB_HTTP_CONNECT_TIMEOUT", 5.0, 0.1, 120.0), 0.1, 120.0
            ),
            read_timeout=num(
                "SHOPIFY_READ_TIMEOUT", num("HUB_HTTP_READ_TIMEOUT", 30.0, 0.1, 600.0), 0.1, 600.0
            ),
            max_retries=int(num("SHOPIFY_MAX_RETRIES", 5, 0, 50)),
            backoff_base=num("SHOPIFY_BACKOFF_BASE", 1.0, 0.0, 60.0),
            backoff_cap=num("SHOPIFY_BACKOFF_CAP", 30.0, 0.0, 3600.0),
            max_throttle_wait=num("SHOPIFY_MAX_THROTTLE_WAIT", 300.0, 0.0, 86400.0),
            max_concurrency=int(num("SHOPIFY_MAX_CONCURRENCY", 4, 1, 16)),
            page_size=first("SHOPIFY_PAGE_SIZE", MAX_PAGE_SIZE),
            variants_first=first("SHOPIFY_VARIANTS_FIRST", 50),
            media_first=first("SHOPIFY_MEDIA_FIRST", 20),
            metafields_first=first("SHOPIFY_METAFIELDS_FIRST", 10),
            collections_first=first("SHOPIFY_COLLECTIONS_FIRST", 10),
            max_query_cost=int(num("SHOPIFY_MAX_QUERY_COST", MAX_QUERY_COST, 50, MAX_QUERY_COST)),
            incremental_margin=num("SHOPIFY_INCREMENTAL_MARGIN_SECONDS", 1.0, 0.0, 86400.0),
            bulk_threshold=int(num("SHOPIFY_BULK_THRESHOLD", 2000, 0, 10**9)),
            bulk_poll_interval=num("SHOPIFY_BULK_POLL_INTERVAL", 1.0, 0.0, 600.0),
            bulk_poll_cap=num("SHOPIFY_BULK_POLL_CAP", 30.0, 0.0, 3600.0),
            bulk_page_size=first("SHOPIFY_BULK_PAGE_SIZE", 250),
            token_refresh_margin=num("SHOPIFY_TOKEN_REFRESH_MARGIN", 300.0, 0.0, 86400.0),
        )

    def shop_base(self, handle: str) -> str:
        """The base URL of one shop's Admin API (``https://{handle}.myshopify.com`` in production)."""
        return self.api_url.replace("{shop}", handle)
