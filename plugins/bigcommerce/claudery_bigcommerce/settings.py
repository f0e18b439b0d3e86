"""The plugin's settings: keys it reads from the hub configuration, with their defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.plugin_kit import bounded

DEFAULT_API_URL = "https://api.bigcommerce.com"
#: BigCommerce's documented maximum page size for catalog listings.
MAX_PAGE_SIZE = 250


@dataclass(frozen=True)
class BigCommerceSettings:
    """Typed view of the ``BIGCOMMERCE_*`` keys of the hub configuration."""

    api_url: str = DEFAULT_API_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    #: requests in flight at once during a product fetch
    max_concurrency: int = 4
    #: fraction of the store's rate-limit quota the hub may use; the rest is left to other apps
    quota_share: float = 0.8
    #: retries of a transient failure (5xx, timeout, dropped connection, 429 without headers)
    max_retries: int = 5
    #: retries of a 429 that tells us when the quota resets (waiting for the reset is routine)
    max_rate_limit_retries: int = 10
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    page_size: int = MAX_PAGE_SIZE
    #: when > 0, an included variants/images/custom_fields list this long is treated as truncated and
    #: completed with the product's own sub-resource calls (BigCommerce documents no truncation, so 0)
    subresource_limit: int = 0

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any] | None) -> BigCommerceSettings:
        """Read the settings from the hub configuration, falling back to defaults for missing keys."""
        s = settings or {}

        def num(key: str, default: float, lo: float, hi: float) -> float:
            return bounded(s, key, default, lo, hi)

        api_url = str(s.get("BIGCOMMERCE_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
        return cls(
            api_url=api_url,
            connect_timeout=num("BIGCOMMERCE_CONNECT_TIMEOUT", 5.0, 0.1, 120.0),
            read_timeout=num("BIGCOMMERCE_READ_TIMEOUT", 30.0, 0.1, 600.0),
            max_concurrency=int(num("BIGCOMMERCE_MAX_CONCURRENCY", 4, 1, 32)),
            quota_share=num("BIGCOMMERCE_QUOTA_SHARE", 0.8, 0.05, 1.0),
            max_retries=int(num("BIGCOMMERCE_MAX_RETRIES", 5, 0, 50)),
            max_rate_limit_retries=int(num("BIGCOMMERCE_MAX_RATE_LIMIT_RETRIES", 10, 0, 100)),
            backoff_base=num("BIGCOMMERCE_BACKOFF_BASE", 1.0, 0.0, 60.0),
            backoff_cap=num("BIGCOMMERCE_BACKOFF_CAP", 60.0, 0.0, 3600.0),
            page_size=int(num("BIGCOMMERCE_PAGE_SIZE", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)),
            subresource_limit=int(num("BIGCOMMERCE_SUBRESOURCE_LIMIT", 0, 0, 10_000)),
        )
