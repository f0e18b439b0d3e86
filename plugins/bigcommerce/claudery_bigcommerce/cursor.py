"""The resume point of a product fetch: an opaque string to the hub, plain JSON to us.

``{"v": 1, "after": 1200, "before": 9751, "total": 10000}`` means: every product with an id up to and
including 1200, and every product with an id from 9751 up, has been yielded; what remains is the id
range (1200, 9751). ``before`` is null until the top of the catalog (fetched first, newest ids) is done.
``total`` is the catalog size seen when the fetch started, for progress after a resume.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

VERSION = 1


class BadCursor(ValueError):
    """The cursor was not made by this plugin (or by an incompatible version)."""


@dataclass(frozen=True)
class FetchCursor:
    """Product ids ``<= after`` and ``>= before`` are done; ``(after, before)`` remains."""

    after: int = 0
    before: int | None = None
    total: int | None = None

    def encode(self) -> str:
        """The opaque string handed to the hub."""
        return orjson.dumps(
            {"v": VERSION, "after": self.after, "before": self.before, "total": self.total}
        ).decode()

    @classmethod
    def decode(cls, text: str | None) -> FetchCursor:
        """Read a cursor made by :meth:`encode`; None or "" means "from the start"."""
        if not text:
            return cls()
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise BadCursor("not JSON") from None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise BadCursor("unknown cursor version")
        after, before, total = data.get("after"), data.get("before"), data.get("total")
        if not _is_int(after) or after < 0:
            raise BadCursor("bad 'after'")
        if before is not None and (not _is_int(before) or before <= after):
            raise BadCursor("bad 'before'")
        if total is not None and (not _is_int(total) or total < 0):
            total = None
        return cls(after=after, before=before, total=total)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
