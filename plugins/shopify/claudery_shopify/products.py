"""``fetch_products``: the catalog by GraphQL paging (or a bulk export for big full fetches).

Full: ``products(first: ≤250, after:, sortKey: ID)``, keyset-paged by Shopify, so exact while the
catalog changes. Incremental: ``query: "updated_at:>='…'"`` with ``sortKey: UPDATED_AT``, the bound
floored to the second and moved back by ``SHOPIFY_INCREMENTAL_MARGIN_SECONDS``, then filtered to
``date_modified >= modified_since`` and deduplicated by id. Each product's nested connections
(variants, media, metafields, collections) come with their first page; a product with more is
completed with its own paging (:mod:`.nested`). Page sizes follow the cost Shopify reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.contract import (
    ErrorKind,
    FetchMode,
    FetchRequest,
    PlatformError,
    PluginContext,
    ProductPage,
    RecordError,
)

from . import bulk, queries
from .client import ShopifyClient, Usage
from .cursor import Cursor, decode
from .nested import complete_page
from .parsing import BadRecord, parse_product, timestamp
from .queries import NestedSizes
from .sizing import PageSizer

log = logging.getLogger(__name__)


def fetch_products(
    credentials: Mapping[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Yield pages of products, resumable from ``request.cursor``."""
    client = ShopifyClient.from_context(credentials, context)
    try:
        cursor = decode(request.cursor)
        incremental = request.mode is FetchMode.INCREMENTAL
        if cursor is not None and cursor.mode == "bulk":
            yield from bulk.fetch(client, cursor, context)
            return
        total = product_count(client) if not incremental else None
        threshold = client.settings.bulk_threshold
        if cursor is None and not incremental and threshold and total is not None and total >= threshold:
            yield from bulk.fetch(client, None, context, total=total)
            return
        if cursor is None:
            cursor = start_cursor(request, client.settings.incremental_margin)
        # the count above is part of the first page's work
        yield from pages(client, cursor, total, baseline=Usage())
    finally:
        client.close()


def start_cursor(request: FetchRequest, margin: float) -> Cursor:
    """The first cursor of a fetch: a full walk by id, or an updated_at search since an instant."""
    if request.mode is not FetchMode.INCREMENTAL:
        return Cursor()
    if request.modified_since is None:
        raise PlatformError(ErrorKind.UNKNOWN, "An incremental fetch needs modified_since (a hub bug).")
    since = request.modified_since.astimezone(UTC)
    # Shopify filters to the second: floor the bound, then widen it by the margin
    bound = since.replace(microsecond=0) - timedelta(seconds=margin)
    return Cursor(
        query=f"updated_at:>='{bound.strftime('%Y-%m-%dT%H:%M:%SZ')}'",
        sort="UPDATED_AT",
        since=since.isoformat(),
    )


def product_count(client: ShopifyClient) -> int | None:
    """The catalog size (``productsCount``, cost 10), for progress and the bulk decision."""
    result = client.query(queries.PRODUCTS_COUNT)
    count = (result.data.get("productsCount") or {}).get("count")
    return int(count) if isinstance(count, int) else None


def pages(
    client: ShopifyClient, cursor: Cursor, total: int | None, baseline: Usage | None = None
) -> Iterator[ProductPage]:
    """Page ``products`` from ``cursor`` to the end (``baseline``: usage to count in the first page)."""
    settings = client.settings
    sizer = PageSizer(
        first=cursor.first or settings.page_size,
        nested=NestedSizes(
            settings.variants_first,
            settings.media_first,
            settings.metafields_first,
            settings.collections_first,
        ),
        max_cost=settings.max_query_cost,
    )
    since = datetime.fromisoformat(cursor.since) if cursor.since else None
    seen: set[str] = set()  # an incremental walk meets a product again when it changes meanwhile
    after = cursor.after
    while True:
        before, baseline = baseline or client.usage.snapshot(), None
        result = sizer.run(
            client,
            lambda first, nested, after=after: (
                queries.products_page(nested),
                {"first": first, "after": after, "query": cursor.query, "sortKey": cursor.sort},
            ),
        )
        connection = result.data.get("products") or {}
        page = ProductPage(products=[], total=total)
        nodes = [
            node
            for node in connection.get("nodes") or []
            if since is None or _changed_since(node, since, seen)
        ]
        for node, children in zip(nodes, complete_page(client, nodes, settings.max_concurrency), strict=True):
            if children is None:
                continue  # deleted while the walk was completing it
            record = parse_product(node, children)
            if isinstance(record, RecordError):
                page.errors.append(record)
            else:
                page.products.append(record)
        info = connection.get("pageInfo") or {}
        has_next = bool(info.get("hasNextPage")) and bool(info.get("endCursor"))
        after = info.get("endCursor") if has_next else None
        if has_next:
            page.cursor = Cursor(
                after=after, query=cursor.query, sort=cursor.sort, since=cursor.since, first=sizer.first
            ).encode()
        usage = client.usage.since(before)
        page.requests, page.rate_limit_wait = usage.requests, usage.rate_limit_wait
        yield page
        if not has_next:
            return


def _changed_since(node: Mapping[str, Any], since: datetime, seen: set[str]) -> bool:
    """Incremental: keep a node modified at or after ``since`` that this walk has not yielded yet.

    The search bound is widened by the margin, so older products are dropped here; a product changed
    during the walk moves behind the cursor (sort UPDATED_AT) and comes again: yield it once.
    """
    product_id = str(node.get("id"))
    if product_id in seen:
        return False
    try:
        modified = timestamp(node.get("updatedAt"))
    except BadRecord:
        modified = None  # unreadable: let the parser report it
    if modified is not None and modified < since:
        return False
    seen.add(product_id)
    return True
