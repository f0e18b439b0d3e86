"""Listing product ids only, for the hub's deletion reconcile."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hub.contract import ErrorKind, PlatformError

from .client import BigCommerceClient, CallStats
from .listing import _meta
from .products import PRODUCTS_PATH
from .ratelimit import Stopped


def list_product_ids(
    client: BigCommerceClient, record_usage: Callable[..., None] = lambda **_: None
) -> Iterator[str]:
    """Yield every product id, paged by key (``id:greater``): exact even while the catalog changes.

    Raises :class:`PlatformError` on failure and the contract's ``StopRequested`` on a stop (the hub then
    archives nothing: an unfinished listing never counts as complete). Each page's requests and
    rate-limit waits go to ``record_usage``.
    """
    limit = client.settings.page_size
    after = 0
    try:
        while True:
            if client.should_stop():
                raise Stopped
            params = {"limit": limit, "include_fields": "id", "sort": "id", "direction": "asc"}
            if after:
                params["id:greater"] = after
            stats = CallStats()
            try:
                resp = client.get(PRODUCTS_PATH, params, stats=stats)
            finally:
                record_usage(
                    requests=stats.requests, rate_limit_wait=stats.rate_limit_wait, throttled=stats.throttled
                )
            data = (
                resp.body.get("data") if isinstance(resp.body, dict) else ([] if resp.status == 204 else None)
            )
            if not isinstance(data, list):
                raise PlatformError(
                    ErrorKind.UNKNOWN, "BigCommerce answered the product listing without a list."
                )
            ids = [r.get("id") for r in data if isinstance(r, dict)]
            ids = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and i > 0]
            if len(ids) != len(data):
                raise PlatformError(
                    ErrorKind.UNKNOWN,
                    "BigCommerce sent a product without a readable id; the listing is unusable.",
                )
            if any(i <= after for i in ids):
                raise PlatformError(
                    ErrorKind.UNKNOWN, "BigCommerce ignored the id filter, so paging would loop; stopped."
                )
            for i in ids:
                yield str(i)
            total = _meta(resp.body, "pagination").get("total")
            if len(ids) < limit or (isinstance(total, int) and total <= len(ids)):
                return
            after = max(ids)
    finally:
        client.close()
