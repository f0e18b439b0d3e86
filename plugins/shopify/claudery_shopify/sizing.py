"""Page sizes chosen by cost: no query above the single-query maximum or the bucket's size.

Shopify admits a query on its *requested* cost, computed from the ``first`` sizes before running it.
The sizer remembers the requested cost of the last page to pre-wait for the bucket, shrinks ``first``
when that cost would not fit (the single-query limit, or a bucket smaller than the query), and halves
the outer page - then the nested pages - on ``MAX_COST_EXCEEDED``. It never depends on Shopify's cost
formula: it reacts to the numbers each answer reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hub.contract import ErrorKind, PlatformError

from .client import GraphQLResult, ShopifyClient
from .errors import QueryTooCostly
from .queries import NestedSizes


def _log_factor(first: int) -> int:
    """How a connection's cost scales with ``first`` in Shopify's observed model (≥ 1)."""
    return max(1, math.floor(2 * math.log(max(first, 2))))


class PageSizer:
    """The outer page size and nested sizes in use for one query shape."""

    def __init__(self, first: int, nested: NestedSizes, max_cost: int):
        self.first = max(1, first)
        self.nested = nested
        self.max_cost = max_cost
        self.expected_cost = 0.0  #: requested cost of the last page (pre-wait before the next)

    def run(
        self, client: ShopifyClient, build: Callable[[int, NestedSizes], tuple[str, dict[str, Any]]]
    ) -> GraphQLResult:
        """Run the query ``build(first, nested)`` returns, shrinking it until Shopify admits it."""
        while True:
            text, variables = build(self.first, self.nested)
            try:
                result = client.query(text, variables, expected_cost=self.expected_cost)
            except QueryTooCostly as exc:
                self._shrink(exc.cost)
                continue
            requested = float(result.cost.get("requestedQueryCost") or 0)
            self._fit(requested, client.bucket.maximum)
            return result

    def _fit(self, requested: float, bucket_size: float | None) -> None:
        """Remember the cost; shrink the next page if it cannot fit the bucket or the limit."""
        ceiling = min(self.max_cost, bucket_size or self.max_cost)
        if requested > ceiling and self.first > 1:
            per_node = max(1.0, (requested - 2) / _log_factor(self.first))
            while self.first > 1 and 2 + _log_factor(self.first) * per_node > ceiling:
                self.first = max(1, self.first // 2)
            requested = 2 + _log_factor(self.first) * per_node
        self.expected_cost = requested

    def _shrink(self, cost: Any) -> None:
        if self.first > 1:
            self.first = max(1, self.first // 2)
            return
        sizes = {name: self.nested.of(name) for name in ("variants", "media", "metafields", "collections")}
        if all(size == 1 for size in sizes.values()):
            raise PlatformError(
                ErrorKind.UNKNOWN,
                f"Shopify refuses even the smallest product query as too costly (cost {cost}); this is a bug "
                "in the hub's Shopify plugin.",
            )
        self.nested = replace(self.nested, **{k: max(1, v // 2) for k, v in sizes.items()})
