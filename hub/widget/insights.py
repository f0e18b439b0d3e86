"""What shoppers ask the widget, for the merchant: searches, searches with no result and clicks through
to products, per normalized query and day.

Privacy: only the folded query text, the day and three counters are stored; no address, session, time
of day or anything else that could tell one shopper from another. Rows older than :data:`KEEP_DAYS` are
dropped as new days begin. Zero-result queries get synonym suggestions from the catalog's vocabulary.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Response, current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from hub.extensions import db
from hub.models.base import utcnow
from hub.models.search import SearchQueryStat
from hub.widget.text import words
from hub.widget.vocabulary import Vocabulary

log = logging.getLogger(__name__)
KEEP_DAYS = 90
MAX_QUERY_CHARS = 200


def normalize(query: str) -> str:
    """The query as statistics key it: folded words, single spaces."""
    return " ".join(words(query))[:MAX_QUERY_CHARS]


def record(
    session: Session, site_id: int, query: str, *, found: int | None = None, click: bool = False
) -> None:
    """Count one search (``found`` results) or one click on a result of ``query`` today (caller commits)."""
    key = normalize(query)
    if not key:
        return
    today = utcnow().date()
    values = (
        {"clicks": SearchQueryStat.clicks + 1}
        if click
        else {"searches": SearchQueryStat.searches + 1,
              "zero_results": SearchQueryStat.zero_results + (1 if found == 0 else 0)}
    )  # fmt: skip
    where = (SearchQueryStat.site_id == site_id, SearchQueryStat.day == today, SearchQueryStat.query == key)
    if session.execute(update(SearchQueryStat).where(*where).values(**values)).rowcount:
        return
    if click:
        return  # a click on a query never counted (a preview, another day): nothing to attach it to
    session.execute(
        delete(SearchQueryStat).where(
            SearchQueryStat.site_id == site_id, SearchQueryStat.day < today - timedelta(days=KEEP_DAYS)
        )
    )
    try:
        with session.begin_nested():
            session.add(SearchQueryStat(site_id=site_id, day=today, query=key, searches=1,
                                        zero_results=1 if found == 0 else 0, clicks=0))  # fmt: skip
    except IntegrityError:  # another process made today's row first
        session.execute(update(SearchQueryStat).where(*where).values(**values))


def record_after(response: Response, site_id: int, query: str, *, found: int | None = None,
                 click: bool = False) -> None:  # fmt: skip
    """Record once ``response`` has been sent: the shopper never waits on the write."""
    app = current_app._get_current_object()

    def write() -> None:
        with app.app_context():
            try:
                record(db.session, site_id, query, found=found, click=click)
                db.session.commit()
            except SQLAlchemyError as exc:
                db.session.rollback()
                log.warning("search insight not recorded: %s", type(exc).__name__)
            finally:
                db.session.remove()

    response.call_on_close(write)


@dataclass
class QueryRow:
    """One query's totals over the period."""

    query: str
    searches: int
    zero_results: int
    clicks: int
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Insights:
    """The insights page's figures."""

    days: int
    per_day: list[tuple[date, int, int, int]]  #: (day, searches, zero-result searches, clicks)
    top: list[QueryRow]
    zero: list[QueryRow]


def suggest(query: str, vocab: Vocabulary) -> list[str]:
    """Synonym lines ("word = catalog word") that would let a zero-result query find products."""
    lines = []
    for word in words(query):
        if vocab.knows(word):
            continue
        close = vocab.nearest(word)
        if close:
            lines.append(f"{word} = {close}")
    return lines


def insights(session: Session, site_id: int, vocab: Vocabulary, days: int = 30, limit: int = 20) -> Insights:
    """Searches, zero-result searches and clicks of the last ``days`` days."""
    since = utcnow().date() - timedelta(days=days - 1)
    scope = (SearchQueryStat.site_id == site_id, SearchQueryStat.day >= since)
    per_day = [
        (day, int(s or 0), int(z or 0), int(c or 0))
        for day, s, z, c in session.execute(
            select(SearchQueryStat.day, func.sum(SearchQueryStat.searches), func.sum(SearchQueryStat.zero_results),
                   func.sum(SearchQueryStat.clicks)).where(*scope).group_by(SearchQueryStat.day)
            .order_by(SearchQueryStat.day.desc())
        )
    ]  # fmt: skip
    totals = (
        select(SearchQueryStat.query, func.sum(SearchQueryStat.searches).label("s"),
               func.sum(SearchQueryStat.zero_results).label("z"), func.sum(SearchQueryStat.clicks).label("c"))
        .where(*scope).group_by(SearchQueryStat.query)
    )  # fmt: skip
    top = [QueryRow(q, int(s), int(z), int(c)) for q, s, z, c in
           session.execute(totals.order_by(func.sum(SearchQueryStat.searches).desc(), SearchQueryStat.query)
                           .limit(limit))]  # fmt: skip
    zero = [QueryRow(q, int(s), int(z), int(c)) for q, s, z, c in
            session.execute(totals.having(func.sum(SearchQueryStat.zero_results) > 0)
                            .order_by(func.sum(SearchQueryStat.zero_results).desc(), SearchQueryStat.query)
                            .limit(limit))]  # fmt: skip
    for row in zero:
        row.suggestions = suggest(row.query, vocab)
    return Insights(days, per_day, top, zero)
