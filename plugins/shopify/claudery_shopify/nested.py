"""Complete a product's nested connections beyond their first page (products with 2,000 variants exist).

A nested cursor belongs to its product: each connection is paged with ``product(id:) { <conn>(first:
250, after:) }`` until ``hasNextPage`` is false. Nothing is silently truncated.
"""

from __future__ import annotations

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
