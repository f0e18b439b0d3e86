"""Relay connections as Shopify serves them: argument checks, base64-JSON keyset cursors, pageInfo.

A cursor is ``base64({"last_id": <numeric id>, "last_value": <sort value>})`` as in the captures: a keyset,
so it stays valid while rows are inserted or deleted around it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from claudery_shopify.demo_store.errors import FieldError

MAX_PAGE = 250


def encode_cursor(last_id: int, last_value: Any) -> str:
    """The opaque cursor for the row ``(last_value, last_id)``."""
    return base64.b64encode(orjson.dumps({"last_id": last_id, "last_value": last_value})).decode()


def decode_cursor(cursor: str) -> tuple[int, Any]:
    """``(last_id, last_value)`` of a cursor; FieldError if it is not one of ours."""
    try:
        data = orjson.loads(base64.b64decode(cursor.encode(), validate=True))
        return int(data["last_id"]), data["last_value"]
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise FieldError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from None


def page_size(args: dict[str, Any]) -> tuple[int, bool]:
    """``(size, backward)`` from first/last, with Shopify's BAD_REQUEST messages."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise FieldError("you must provide one of first or last", "BAD_REQUEST")
    if first is not None and last is not None:
        raise FieldError("providing both first and last is not supported", "BAD_REQUEST")
    name, size = ("first", first) if first is not None else ("last", last)
    if size > MAX_PAGE:
        raise FieldError(
            f"{name} cannot exceed {MAX_PAGE}. To query larger amounts of data with fewer limits, "
            "bulk operations should be used instead.",
            "BAD_REQUEST",
        )
    if size < 0:
        raise FieldError(f"{name} cannot be negative", "BAD_REQUEST")
    return size, last is not None


def positional(n: int, args: dict[str, Any]) -> tuple[list[int], bool, bool]:
    """Page over rows at positions 1..n (ordered by position); return (positions, has_next, has_prev).

    The cursor's ``last_value`` is the position as a string, as in Shopify's nested variant/media cursors.
    """
    size, backward = page_size(args)
    reverse = bool(args.get("reverse"))
    order = range(n, 0, -1) if reverse else range(1, n + 1)
    lo, hi = 0, n  # indices into order: the window after/before narrow
    if args.get("after"):
        lo = max(lo, _index_after(args["after"], n, reverse))
    if args.get("before"):
        hi = min(hi, _index_after(args["before"], n, reverse) - 1)
    if hi < lo:
        hi = lo
    if backward:
        start = max(lo, hi - size)
        picked = list(order[start:hi])
        return picked, hi < n, start > lo
    end = min(hi, lo + size)
    return list(order[lo:end]), end < hi, lo > 0


def _index_after(cursor: str, n: int, reverse: bool) -> int:
    _, value = decode_cursor(cursor)
    try:
        pos = int(value)
    except (TypeError, ValueError):
        raise FieldError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from None
    pos = min(max(pos, 0), n + 1)
    return (n - pos + 1) if reverse else pos


def connection(
    nodes: Sequence[Any], cursors: Callable[[int], str], has_next: bool, has_prev: bool
) -> dict[str, Any]:
    """A connection object for the executor: ``nodes``, lazily built ``edges``, ``pageInfo``."""
    count = len(nodes)

    def edges(_args: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [{"__typename": "Edge", "cursor": cursors(i), "node": node} for i, node in enumerate(nodes)]

    return {
        "__typename": "Connection",
        "nodes": nodes,
        "edges": edges,
        "_count": count,
        "pageInfo": {
            "__typename": "PageInfo",
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": cursors(0) if count else None,
            "endCursor": cursors(count - 1) if count else None,
        },
    }
