"""Two ways platforms page a product listing; keep the one your platform uses and delete the other.

* :func:`wrapped_pages`: the results come wrapped in an object, ``{"data": [...], "meta":
  {"next_cursor": ..., "total": ...}}``, and the platform gives its own cursor. Its cursor is the
  hub's cursor, passed through untouched. Paging is as exact as the platform's cursor: keyset cursors
  (by id, "after this record") are exact while products are deleted; offset-in-disguise cursors are not.
* :func:`bare_array_pages`: the body is a bare JSON array; the total is in a header
  (``X-Total-Count``) and the next page in a ``Link: <...>; rel="next"`` header; paging is by
  offset (or page number). Offset paging is **not** exact on its own: deleting a product that was
  already read shifts every later product back by one, and the next page starts one product too
  late. The guard here (:func:`_window_slid`) re-reads the last product already yielded at the start
  of each page and steps back when it has moved, which makes the listing exact. Remove it and the
  conformance suite's deletion check fails.

Both yield :class:`RawPage` values whose ``cursor`` resumes right after the page (``None`` on the last
page). A cursor is an opaque string to the hub: it stores it with each committed page and hands it
back in ``FetchRequest.cursor`` to resume, together with the same ``mode`` and ``modified_since``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from claudery_template.api import TemplateApi, unexpected
from claudery_template.parsing import record_id
from hub.contract import FetchMode, FetchRequest

log = logging.getLogger(__name__)
LINK_NEXT = re.compile(r'<[^>]*>\s*;\s*rel="?next"?')


@dataclass
class RawPage:
    """One page of the platform's records, before parsing."""

    records: list[Any]
    cursor: str | None  #: resumes right after this page; None on the last page
    total: int | None  #: the platform's count of the listing, when it tells
    requests: int
    rate_limit_wait: float


Listing = Callable[[TemplateApi, FetchRequest, int], Iterator[RawPage]]


def _filters(request: FetchRequest) -> dict[str, str]:
    """The platform's query parameters for the request's mode. REPLACE with your API's filter.

    ``modified_since`` is an aware UTC instant and the bound is inclusive (``>=``); the hub has already
    subtracted its clock-skew margin. If your platform's filter is exclusive or has whole-second
    resolution, widen it (a second earlier): repeats are harmless, gaps are not.
    """
    if request.mode is FetchMode.INCREMENTAL and request.modified_since is not None:
        return {"updated_since": request.modified_since.isoformat()}
    return {}


def _total(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# ----- results wrapped in an object, with the platform's own cursor ----------------------------------


def wrapped_pages(api: TemplateApi, request: FetchRequest, page_size: int) -> Iterator[RawPage]:
    """``GET /api/products``: ``{"data": [...], "meta": {"next_cursor", "total"}}``."""
    cursor = request.cursor
    while True:
        params = {"limit": page_size, **_filters(request), **({"cursor": cursor} if cursor else {})}
        reply = api.get("/api/products", params)
        body = reply.json
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise unexpected(api, "a listing without a data array")
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        next_cursor = meta.get("next_cursor") or None
        yield RawPage(
            body["data"], next_cursor, _total(meta.get("total")), reply.requests, reply.rate_limit_wait
        )
        if next_cursor is None:
            return
        cursor = str(next_cursor)


# ----- bare arrays, totals and links in headers, offset paging ----------------------------------------


def _encode(offset: int, last_id: int) -> str:
    """The hub's cursor: where the next page starts and the last id already yielded."""
    return f"{offset}.{last_id}"


def _decode(cursor: str | None) -> tuple[int, int | None]:
    if not cursor:
        return 0, None
    offset, _, last = cursor.partition(".")
    if offset.isdigit() and last.isdigit():
        return int(offset), int(last)
    # a cursor this version cannot read (e.g. stored by an older one): start over; repeats are harmless
    log.warning("unreadable cursor, starting the listing again")
    return 0, None


def _window_slid(first_id: int | None, last_id: int) -> bool:
    """The safeguard: True when the window's first record is *after* the last one already yielded.

    The window starts one record early, on the last product yielded. Ordered by id, that record (or
    an earlier one, if products were added) is first unless products before it were deleted since;
    then everything slid back and the window must start earlier, or products would be skipped.
    """
    return first_id is None or first_id > last_id


def bare_array_pages(api: TemplateApi, request: FetchRequest, page_size: int) -> Iterator[RawPage]:
    """``GET /api/v2/products?offset=&limit=``: a bare array; ``X-Total-Count`` and ``Link`` headers.

    Each window after the first starts one record early (on the last product yielded), so a page
    brings ``page_size - 1`` new products; that overlap is the price of exactness.
    """
    page_size = max(2, page_size)  # a window of 1 would hold only the overlap and never move on
    offset, last_id = _decode(request.cursor)
    while True:
        start, requests, waited = offset, 0, 0.0
        if last_id is not None and start > 0:
            start -= 1  # overlap one record: the last one yielded, to see whether the list slid
        while True:
            reply = api.get("/api/v2/products", {"offset": start, "limit": page_size, **_filters(request)})
            requests, waited = requests + reply.requests, waited + reply.rate_limit_wait
            records = reply.json
            if not isinstance(records, list):
                raise unexpected(api, "a listing that is not an array")
            first_id = record_id(records[0]) if records else None
            if last_id is None or start == 0 or not _window_slid(first_id, last_id):
                break
            start = max(0, start - (page_size - 1))  # step back and read again
        fresh = [r for r in records if last_id is None or (pid := record_id(r)) is None or pid > last_id]
        offset = start + len(records)
        last_id = max([last_id or 0, *(pid for r in fresh if (pid := record_id(r)) is not None)])
        more = bool(LINK_NEXT.search(reply.headers.get("Link", "")))
        total = _total(reply.headers.get("X-Total-Count"))
        yield RawPage(fresh, _encode(offset, last_id) if more else None, total, requests, waited)
        if not more:
            return


LISTINGS: Mapping[str, Listing] = {"wrapped": wrapped_pages, "bare": bare_array_pages}
