"""Complete a product's nested connections beyond their first page (products with 2,000 variants exist).

A nested cursor belongs to its product: each connection is paged with ``product(id:) { <conn>(first:
250, after:) }`` until ``hasNextPage`` is false. Nothing is silently truncated. The products of one page
that need it are completed by up to ``SHOPIFY_MAX_CONCURRENCY`` threads: each request still waits for
the shared cost bucket, so concurrency only hides latency while the bucket has points to spare.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import queries
from .client import ShopifyClient
from .settings import MAX_PAGE_SIZE


def complete_product(client: ShopifyClient, node: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    """Every row of each nested connection of ``node``; None if the product vanished meanwhile."""
    children: dict[str, list[dict[str, Any]]] = {}
    for name in queries.NESTED:
        connection = node.get(name) or {}
        rows = list(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        expected = 0.0
        while info.get("hasNextPage") and info.get("endCursor"):
            result = client.query(
                queries.nested_page(name),
                {"id": node["id"], "first": MAX_PAGE_SIZE, "after": info["endCursor"]},
                expected_cost=expected,
            )
            expected = float(result.cost.get("requestedQueryCost") or 0)
            product = result.data.get("product")
            if product is None:
                return None
            more = product.get(name) or {}
            rows.extend(more.get("nodes") or [])
            info = more.get("pageInfo") or {}
        children[name] = rows
    return children


def needs_paging(node: dict[str, Any]) -> bool:
    """True when a nested connection of ``node`` has rows beyond its first page."""
    return any(((node.get(name) or {}).get("pageInfo") or {}).get("hasNextPage") for name in queries.NESTED)


def complete_page(
    client: ShopifyClient, nodes: list[dict[str, Any]], workers: int
) -> list[dict[str, list[dict[str, Any]]] | None]:
    """:func:`complete_product` for every node of a page, in order, paging up to ``workers`` at once."""
    pending = [i for i, node in enumerate(nodes) if needs_paging(node)]
    results: list[dict[str, list[dict[str, Any]]] | None] = [None] * len(nodes)
    for i, node in enumerate(nodes):
        if i not in pending:
            results[i] = complete_product(client, node)  # no request: the first pages are complete
    if len(pending) <= 1 or workers <= 1:
        for i in pending:
            results[i] = complete_product(client, nodes[i])
        return results
    with ThreadPoolExecutor(
        max_workers=min(workers, len(pending)), thread_name_prefix="shopify-nested"
    ) as pool:
        futures = {i: pool.submit(complete_product, client, nodes[i]) for i in pending}
        try:
            for i, future in futures.items():
                results[i] = future.result()  # re-raises StopRequested / PlatformError of a thread
        finally:
            for future in futures.values():
                future.cancel()
    return results
