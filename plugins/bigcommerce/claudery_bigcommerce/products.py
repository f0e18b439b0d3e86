"""The product fetch: key-ordered, resumable, concurrent where the quota allows, exact under changes.

Plan of a full fetch (R = ceil(N / 250) requests for N products, nothing wasted):

1. **Top page.** ``sort=id&direction=desc&limit=250``: the 250 highest ids, the catalog total, and an
   upper bound ``before`` = the lowest id of that page. Everything from ``before`` up is now done, and
   products created during the fetch (new, higher ids) are outside the remaining range.
2. **Range** ``(after, before)``, ascending by id. In a bounded id range the set of products can only
   shrink (new products get higher ids), so page numbers are exact as long as every page reports the
   same total: those pages are fetched concurrently. A page whose total differs means products were
   deleted meanwhile; its page and later ones are discarded and the range restarts by key after the
   last page that was consistent (a page 1 is always consistent, so every restart makes progress).

Incremental fetches (``date_modified:min``) can gain products mid-fetch (a product edited during the
sync), so their range is paged strictly by key (``id:greater=<last id>``), one request at a time.
Each yielded page's cursor resumes right after it (see :mod:`.cursor`).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from hub.contract import (
    ErrorKind,
    FetchMode,
    FetchRequest,
    PlatformError,
    PluginContext,
    Product,
    ProductPage,
    RecordError,
)

from .client import BigCommerceClient, CallStats
from .cursor import BadCursor, FetchCursor
from .parsing import parse_product
from .prefetch import OrderedPrefetcher
from .ratelimit import Stopped
from .subresources import complete_product, incomplete_subresources

log = logging.getLogger(__name__)

INCLUDE = "variants,images,custom_fields"
PRODUCTS_PATH = "/v3/catalog/products"


@dataclass
class Batch:
    """One listing request, completed (built on a worker thread); parsed only when it is yielded, so the
    pages fetched ahead hold their records once, not also as contract objects (~3-5 MB a page)."""

    ids: list[int]  #: readable ids, in the order received
    records: list[Any]  #: the listing's ``data``, truncated sub-resources completed
    total: int | None  #: meta.pagination.total
    count: int  #: records received
    stats: CallStats = field(default_factory=CallStats)


def format_since(value: datetime) -> str:
    """``date_modified:min`` as the v3 API wants it: ``2025-01-15T00:03:17Z`` (UTC, whole seconds).

    A naive datetime is taken as UTC. Seconds are truncated, never rounded up, so nothing is missed.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _total(body: dict[str, Any]) -> int | None:
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    total = pagination.get("total") if isinstance(pagination, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


class ProductFetch:
    """One call of ``fetch_products``: iterate :meth:`pages`."""

    def __init__(self, client: BigCommerceClient, request: FetchRequest, context: PluginContext):
        self.client = client
        self.settings = client.settings
        self.request = request
        self.context = context
        self.limit = self.settings.page_size
        self.incremental = request.mode == FetchMode.INCREMENTAL
        if self.incremental and request.modified_since is None:
            raise PlatformError(ErrorKind.CONFIG, "An incremental fetch needs the time of the last sync.")
        self._closed = threading.Event()
        self._pending = CallStats()  # requests of discarded pages, reported with the next page
        # the client checks this between requests and while waiting: closing the generator stops
        # the worker threads promptly too
        client.should_stop = lambda: self._closed.is_set() or context.should_stop()

    # ----- one request ------------------------------------------------------------------------------

    def _params(self, after: int, before: int | None, *, desc: bool = False, page: int | None = None) -> dict:
        params: dict[str, Any] = {"limit": self.limit, "include": INCLUDE, "sort": "id"}
        params["direction"] = "desc" if desc else "asc"
        if after > 0:
            params["id:greater"] = after
        if before is not None:
            params["id:less"] = before
        if page is not None and page > 1:
            params["page"] = page
        if self.incremental:
            assert self.request.modified_since is not None
            params["date_modified:min"] = format_since(self.request.modified_since)
        return params

    def fetch_batch(self, params: dict[str, Any]) -> Batch:
        """One listing request, with truncated products completed, parsed into contract records."""
        stats = CallStats()
        resp = self.client.get(PRODUCTS_PATH, params, stats=stats)
        body = resp.body if resp.body is not None else {"data": []}  # 204: nothing matched
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise PlatformError(
                ErrorKind.UNKNOWN,
                "BigCommerce answered the product listing without a list of products. Try again later; "
                "if it persists, check the BIGCOMMERCE_API_URL setting.",
            )
        batch = Batch(ids=[], records=data, total=_total(body), count=len(data), stats=stats)
        for raw in data:
            if isinstance(raw, dict):
                rid = raw.get("id")
                if isinstance(rid, int) and not isinstance(rid, bool) and rid > 0:
                    batch.ids.append(rid)
                    keys = incomplete_subresources(raw, self.settings.subresource_limit)
                    if keys:
                        complete_product(self.client, raw, keys, stats)
        return batch

    def _check_range(self, batch: Batch, after: int, before: int | None) -> None:
        """Loop guard: every id must lie in the range asked for, or paging would never end."""
        for rid in batch.ids:
            if rid <= after or (before is not None and rid >= before):
                raise PlatformError(
                    ErrorKind.UNKNOWN,
                    "BigCommerce returned products outside the requested id range, so paging would not "
                    "advance; the sync stopped to avoid a loop. Try again later.",
                )
        if batch.count >= self.limit and not batch.ids:
            raise PlatformError(
                ErrorKind.UNKNOWN,
                "BigCommerce returned a full page of products without readable ids, so paging cannot "
                "advance; the sync stopped to avoid a loop.",
            )

    def _page(self, batch: Batch, cursor: FetchCursor | None, total: int | None) -> ProductPage:
        stats = CallStats()
        stats.add(self._pending)
        stats.add(batch.stats)
        self._pending = CallStats()
        products: list[Product] = []
        errors: list[RecordError] = []
        for raw in batch.records:
            product, problems = parse_product(raw)
            if product is not None:
                products.append(product)
            errors.extend(problems)
        return ProductPage(
            products=products,
            errors=errors,
            cursor=cursor.encode() if cursor is not None else None,
            total=total,
            rate_limit_wait=round(stats.rate_limit_wait, 3),
            requests=stats.requests,
            throttled=stats.throttled,
        )

    # ----- the plan -----------------------------------------------------------------------------------

    def pages(self) -> Iterator[ProductPage]:
        """Yield the pages; stop quietly when the host asks; always release threads and connections."""
        try:
            yield from self._pages()
        except Stopped:
            log.info("product fetch stopped on request")
        finally:
            self._closed.set()
            self.client.close()

    def _pages(self) -> Iterator[ProductPage]:
        try:
            state = FetchCursor.decode(self.request.cursor)
        except BadCursor as exc:
            log.warning("unreadable product cursor (%s): fetching from the start", exc)
            state = FetchCursor()
        total = state.total
        expected: int | None = None  # count of the remaining range, when known from the top page
        while state.before is None:
            if self.context.should_stop():
                return
            batch = self.fetch_batch(self._params(state.after, None, desc=True))
            self._check_range(batch, state.after, None)
            if total is None:
                total = batch.total
            ids = batch.ids
            exhausted = batch.count < self.limit or (batch.total is not None and batch.total <= batch.count)
            if exhausted:
                yield self._page(batch, None, total)
                return
            if len(ids) >= 2 and ids[0] < ids[-1]:
                # the platform ignored direction=desc: carry on as plain ascending key paging
                state = FetchCursor(after=max(ids), before=None, total=total)
                yield self._page(batch, state, total)
                continue
            state = FetchCursor(after=state.after, before=min(ids), total=total)
            if batch.total is not None:
                expected = batch.total - batch.count
            # Parsed and yielded once the range's requests are in flight: the platform's latency for them
            # then overlaps the parsing and storing of the top page.
            yield from self._range(state, expected, total, lead=partial(self._page, batch, state, total))
            return
        yield from self._range(state, expected, total)  # resumed inside the range

    def _range(
        self,
        state: FetchCursor,
        expected: int | None,
        total: int | None,
        lead: Callable[[], ProductPage] | None = None,
    ) -> Iterator[ProductPage]:
        """Fetch ``(state.after, state.before)`` ascending; ``lead`` makes the page to yield first (the
        top page), as soon as the range's first requests are sent."""
        after, before = state.after, state.before
        while True:
            if lead is not None and (expected is None or self.incremental or expected <= 0):
                yield lead()  # nothing to send concurrently first
                lead = None
            if self.context.should_stop():
                return
            query_after = after  # page numbers count within the query (query_after, before)
            if expected is None or self.incremental:
                first = self.fetch_batch(self._params(after, before))
                self._check_range(first, after, before)
                expected = first.total
                pages = math.ceil(expected / self.limit) if expected is not None else None
                if first.count < self.limit or (pages is not None and pages <= 1) or not first.ids:
                    yield self._page(first, None, total)
                    return
                after = max(first.ids)
                yield self._page(first, FetchCursor(after, before, total), total)
                if self.incremental or expected is None:
                    expected = None  # strictly by key: the next query starts after the last id
                    continue
                start = 2
            else:
                if expected <= 0:
                    yield self._page(Batch([], [], expected, 0), None, total)
                    return
                start = 1
            restart_after = yield from self._parallel(
                query_after, after, before, start, expected, total, lead=lead
            )
            lead = None
            if restart_after is None:
                return
            after, expected = restart_after, None

    def _parallel(
        self,
        query_after: int,
        anchor: int,
        before: int | None,
        start: int,
        expected: int,
        total: int | None,
        lead: Callable[[], ProductPage] | None = None,
    ) -> Iterator[ProductPage]:
        """Pages ``start..`` of the query ``(query_after, before)`` concurrently, after ``lead()``'s page.

        ``expected`` is the query's total; ``anchor`` the last id already yielded. Returns None when the
        range is done, or the id after which to restart by key when the catalog changed meanwhile.
        """
        pages = math.ceil(expected / self.limit)
        if start > pages:
            if lead is not None:
                yield lead()
            return None

        def fetch(n: int) -> Batch:
            return self.fetch_batch(self._params(query_after, before, page=n))

        workers = self.settings.max_concurrency
        # ``ahead=workers``: every worker can have a request in flight past the page the hub is storing,
        # which is all the concurrency there is; more pages ahead would only wait in memory (~10 MB of
        # parsed products each) while the hub, the slower side on a busy machine, catches up.
        with OrderedPrefetcher(fetch, start, pages, workers=workers, ahead=workers) as prefetch:
            try:
                if lead is not None:
                    yield lead()
                for n in range(start, pages + 1):
                    batch = prefetch.take(n, self.context.should_stop)
                    want = self.limit if n < pages else expected - (pages - 1) * self.limit
                    consistent = (
                        batch.total == expected
                        and batch.count == want
                        and all(anchor < rid and (before is None or rid < before) for rid in batch.ids)
                        and batch.ids == sorted(batch.ids)
                    )
                    if not consistent:
                        # products were deleted (or added) meanwhile: page numbers shifted; go by key
                        log.info(
                            "catalog changed during the fetch (page %s): re-paging after id %s", n, anchor
                        )
                        self._pending.add(batch.stats)
                        return anchor
                    anchor = max(batch.ids, default=anchor)
                    cursor = FetchCursor(anchor, before, total) if n < pages else None
                    yield self._page(batch, cursor, total)
            except BaseException:
                # closing the generator, an error or a stop: make workers give up their waits now
                self._closed.set()
                raise
        return None


def fetch_products(
    credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the store's products as pages (see the module docstring for the plan)."""
    client = BigCommerceClient.from_context(credentials, context)
    return ProductFetch(client, request, context).pages()


def fetch_products_by_ids(
    credentials: dict[str, Any], ids: list[str], context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the products with these ids (``id:in``, a page of ids per request); gone ids are not yielded."""
    client = BigCommerceClient.from_context(credentials, context)
    fetch = ProductFetch(client, FetchRequest(), context)
    wanted = sorted({int(i) for i in ids if str(i).isdigit() and int(i) > 0})
    try:
        for start in range(0, len(wanted), fetch.limit):
            context.check_stop()
            chunk = wanted[start : start + fetch.limit]
            params = {"limit": fetch.limit, "include": INCLUDE, "id:in": ",".join(map(str, chunk))}
            batch = fetch.fetch_batch(params)
            if any(rid not in chunk for rid in batch.ids):
                raise PlatformError(
                    ErrorKind.UNKNOWN, "BigCommerce ignored the id filter; the products were not fetched."
                )
            yield fetch._page(batch, None, None)
    finally:
        client.close()
