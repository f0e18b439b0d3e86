"""Categories ← collections; brands ← vendors (Shopify has no brands: the vendor is the brand).

A brand's id is the vendor name itself (Shopify has no vendor id); a product's ``brand_ids`` is its
vendor. Vendors are listed from the products sorted by vendor (``nodes { vendor }``, 13 points a page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hub.contract import Brand, Category, RecordError

from . import queries
from .client import ShopifyClient
from .settings import MAX_PAGE_SIZE


def _walk(client: ShopifyClient, text: str, root: str, record_usage: Callable[..., None]) -> Iterator[dict]:
    after: str | None = None
    expected = 0.0
    while True:
        before = client.usage.snapshot()
        result = client.query(text, {"first": MAX_PAGE_SIZE, "after": after}, expected_cost=expected)
        expected = float(result.cost.get("requestedQueryCost") or 0)
        usage = client.usage.since(before)
        record_usage(
            requests=usage.requests, rate_limit_wait=usage.rate_limit_wait, throttled=usage.throttled
        )
        connection = result.data.get(root) or {}
        yield from connection.get("nodes") or []
        info = connection.get("pageInfo") or {}
        if not (info.get("hasNextPage") and info.get("endCursor")):
            return
        after = info["endCursor"]


def fetch_categories(
    client: ShopifyClient, record_usage: Callable[..., None]
) -> Iterator[Category | RecordError]:
    """Every collection, as a flat category (Shopify collections have no parent)."""
    for node in _walk(client, queries.COLLECTIONS, "collections", record_usage):
        title = node.get("title")
        if not node.get("id") or not isinstance(title, str) or not title.strip():
            yield RecordError(node.get("id"), "a collection without a title")
            continue
        handle = node.get("handle")
        yield Category(
            id=str(node["id"]), name=title.strip(), url_path=f"/collections/{handle}" if handle else None
        )


def fetch_brands(client: ShopifyClient, record_usage: Callable[..., None]) -> Iterator[Brand | RecordError]:
    """Every distinct vendor of the catalog."""
    seen: set[str] = set()  # vendors are few; sorting by vendor keeps the walk cheap, not unique
    for node in _walk(client, queries.VENDORS, "products", record_usage):
        vendor = (node.get("vendor") or "").strip()
        if vendor and vendor not in seen:
            seen.add(vendor)
            yield Brand(id=vendor, name=vendor)
