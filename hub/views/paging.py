"""Page numbers from the query string: bounded, so ``page=10**30`` shows the last page instead of a 500."""

from __future__ import annotations

from flask import request


def page_of(total: int, per_page: int) -> tuple[int, int, int]:
    """(page, pages, offset) for ``?page=``: below 1 or not a number -> 1, beyond the end -> the last."""
    pages = max((total + per_page - 1) // per_page, 1)
    raw = (request.args.get("page") or "1").strip()
    page = int(raw) if raw.isdigit() and len(raw) <= 9 else (pages if raw.isdigit() else 1)
    page = min(max(page, 1), pages)
    return page, pages, (page - 1) * per_page
