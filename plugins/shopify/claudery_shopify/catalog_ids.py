"""Every current product id (deletion reconcile), and given products by id (repairs, live updates)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hub.contract import ProductPage, RecordError

from . import queries
from .client import ShopifyClient
from .nested import complete_page
from .parsing import parse_product
from .queries import NestedSizes
from .settings import MAX_PAGE_SIZE
from .sizing import PageSizer

#: ``nodes(ids:)`` takes at most 250 ids
MAX_IDS = 250


def list_product_ids(client: ShopifyClient, record_usage: Callable[..., None]) -> Iterator[str]:
    """``products(first: 250) { nodes { id } }`` by id: 13 points a page."""
    after: str | None = None
    expected = 0.0
    while True:
        before = client.usage.snapshot()
        result = client.query(
            queries.PRODUCT_IDS, {"first": MAX_PAGE_SIZE, "after": after}, expected_cost=expected
        )
        expected = float(result.cost.get("requestedQueryCost") or 0)
        usage = client.usage.since(before)
        record_usage(
            requests=usage.requests, rate_limit_wait=usage.rate_limit_wait, throttled=usage.throttled
        )
        connection = result.data.get("products") or {}
        for node in connection.get("nodes") or []:
            yield str(node["id"])
        info = connection.get("pageInfo") or {}
        if not (info.get("hasNextPage") and info.get("endCursor")):
            return
        after = info["endCursor"]


def fetch_products_by_ids(client: ShopifyClient, ids: list[str]) -> Iterator[ProductPage]:
    """``nodes(ids:)`` in chunks (fewer when the cost model says so); unknown ids are skipped."""
    settings = client.settings
    wanted = [i for i in dict.fromkeys(str(i) for i in ids) if i.startswith("gid://shopify/Product/")]
    sizer = PageSizer(
        first=min(MAX_IDS, settings.page_size),
        nested=NestedSizes(
            settings.variants_first,
            settings.media_first,
            settings.metafields_first,
            settings.collections_first,
        ),
        max_cost=settings.max_query_cost,
    )
    position = 0
    while position < len(wanted):
        before = client.usage.snapshot()
        taken: list[str] = []

        def build(
            first: int, nested: NestedSizes, position: int = position, taken: list[str] = taken
        ) -> tuple[str, dict[str, object]]:
            taken[:] = wanted[position : position + first]
            return queries.products_by_ids(nested), {"ids": list(taken)}

        result = sizer.run(client, build)
        position += len(taken)
        page = ProductPage(products=[])
        nodes = [node for node in result.data.get("nodes") or [] if isinstance(node, dict) and node.get("id")]
        for node, children in zip(nodes, complete_page(client, nodes, settings.max_concurrency), strict=True):
            if children is None:
                continue
            record = parse_product(node, children)
            (page.errors if isinstance(record, RecordError) else page.products).append(record)  # type: ignore[arg-type]
        usage = client.usage.since(before)
        page.requests, page.rate_limit_wait = usage.requests, usage.rate_limit_wait
        yield page
