"""Paging through a plain v3 collection: cursor pagination where the endpoint offers it, else pages."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hub.contract import ErrorKind, PlatformError

from .client import BigCommerceClient
from .settings import MAX_PAGE_SIZE

#: no store has this many pages of categories (16,000 max) or brands (30,000 max): a loop guard
MAX_PAGES = 1000


def _meta(body: Any, key: str) -> dict[str, Any]:
    meta = body.get("meta") if isinstance(body, dict) else None
    value = meta.get(key) if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def iter_collection(
    client: BigCommerceClient, path: str, params: Mapping[str, Any] | None = None
) -> Iterator[Any]:
    """Yield every item of a v3 listing.

    ``meta.cursor_pagination`` (``after=<end_cursor>``) is followed when the answer has it; otherwise
    ``page`` numbers, ending on a short page or the last of ``total_pages``. A cursor or page that does
    not advance ends the listing with an error instead of looping.
    """
    base = {"limit": MAX_PAGE_SIZE, **(params or {})}
    page, after = 1, None
    seen_cursors: set[str] = set()
    for _ in range(MAX_PAGES):
        query = dict(base)
        if after is not None:
            query["after"] = after
        elif page > 1:
            query["page"] = page
        resp = client.get(path, query)
        if resp.status == 204 or resp.body is None:
            return
        data = resp.body.get("data") if isinstance(resp.body, dict) else None
        if not isinstance(data, list):
            raise PlatformError(
                ErrorKind.UNKNOWN, f"BigCommerce answered {path} without a list; try again later."
            )
        yield from data
        if len(data) < int(base["limit"]):
            return
        cursor = _meta(resp.body, "cursor_pagination")
        end_cursor = cursor.get("end_cursor")
        if isinstance(end_cursor, str) and end_cursor:
            if end_cursor in seen_cursors:
                raise PlatformError(
                    ErrorKind.UNKNOWN,
                    f"BigCommerce repeated a page cursor for {path}; stopped to avoid a loop.",
                )
            seen_cursors.add(end_cursor)
            after = end_cursor
            continue
        pagination = _meta(resp.body, "pagination")
        total_pages = pagination.get("total_pages")
        if isinstance(total_pages, int) and page >= total_pages:
            return
        page += 1
    raise PlatformError(ErrorKind.UNKNOWN, f"BigCommerce kept paging {path}; stopped to avoid a loop.")
