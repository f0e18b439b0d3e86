"""Wire formats BigCommerce uses: v3 ISO 8601 dates with a +00:00 offset, v2 RFC 2822 dates, numbers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson


def iso_date(epoch: int) -> str:
    """Format a v3 date-time exactly as BigCommerce does: ``2018-08-15T14:48:46+00:00``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def rfc2822_date(epoch: int) -> str:
    """Format a v2 date exactly as BigCommerce does: ``Tue, 20 Nov 2012 00:00:00 +0000``."""
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(epoch))


def parse_date_filter(value: str, *, now: float, date_only_uses_request_time: bool = True) -> int:
    """Parse a ``date_modified:min``-style value into epoch seconds.

    Accepts ``2025-01-15``, ``2025-01-15T00:03:17Z``, an explicit offset, or unix seconds. The reference
    says a date without a time "automatically adds the current time of the request to the date".
    Raises ValueError on anything else.
    """
    value = value.strip()
    if value.isdigit():
        return int(value)
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        base = int(day.timestamp())
        if date_only_uses_request_time:
            base += int(now) % 86400
        return base
    text = value.replace("Z", "+00:00").replace(" ", "+")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def num(value: float) -> float | int:
    """Return integral numbers as ints, as BigCommerce's JSON does (``"price": 10``, ``"price": 7.95``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Serialize to compact UTF-8 JSON (orjson: fast, and keeps non-ASCII characters unescaped). Not wrapped in
# a function: the generator calls it several times per product.
dumps = orjson.dumps


loads = orjson.loads
