"""The plugin's resume point, as the opaque string the hub stores: compact JSON, versioned.

Paging cursors: the mode, Shopify's ``endCursor`` (valid only with the same ``query`` and ``sortKey``,
so both are stored with it) and the page size in use. Bulk cursors: the operation id and how many
lines of its file were consumed, so a restarted worker resumes the same export's download.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

log = logging.getLogger(__name__)
VERSION = 1


@dataclass(frozen=True)
class Cursor:
    """Where a fetch resumes."""

    mode: str = "page"  #: "page" (GraphQL paging) or "bulk" (a bulk operation's file)
    after: str | None = None  #: Shopify's endCursor of the last committed page
    query: str | None = None  #: the search filter the cursor belongs to
    sort: str = "ID"  #: the sort key the cursor belongs to
    since: str | None = None  #: incremental: the ISO instant products must be modified at or after
    first: int | None = None  #: page size in use (after shrinking for cost)
    operation: str | None = None  #: bulk: the BulkOperation GID
    line: int = 0  #: bulk: lines of the JSONL file already turned into committed pages

    def encode(self) -> str:
        """The opaque string for ``ProductPage.cursor``."""
        data = {k: v for k, v in asdict(self).items() if v not in (None, 0, "")}
        return json.dumps({"v": VERSION, **data}, separators=(",", ":"), sort_keys=True)


def decode(text: str | None) -> Cursor | None:
    """The cursor in ``text``; None to start over (no cursor, or one this version cannot read)."""
    if not text:
        return None
    try:
        data: Any = json.loads(text)
        if not isinstance(data, dict) or data.pop("v", None) != VERSION:
            raise ValueError("unknown cursor version")
        return Cursor(**data)
    except (ValueError, TypeError):
        # starting over is always safe: the hub upserts by id
        log.warning("unreadable Shopify cursor; starting the fetch over")
        return None
