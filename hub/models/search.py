"""A site's search preferences, its shopping assistant's settings, and per-day search statistics."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db

#: the fields a merchant can weigh, in the order the preferences page shows them
FIELDS = ("name", "sku", "brand", "categories", "attributes", "description")
DEFAULT_WEIGHTS = {
    "name": 10.0,
    "sku": 8.0,
    "brand": 4.0,
    "categories": 3.0,
    "attributes": 3.0,
    "description": 1.0,
}
TONES = ("friendly", "concise", "formal")


class SearchPreferences(db.Model):
    """How a site's widget ranks products; one row per site, created with defaults on first use."""

    __tablename__ = "search_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    #: field -> weight (0 means "matches there do not count")
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=lambda: dict(DEFAULT_WEIGHTS))
    boost_in_stock: Mapped[float] = mapped_column(Float, default=2.0)
    boost_on_sale: Mapped[float] = mapped_column(Float, default=1.0)
    typo_tolerance: Mapped[bool] = mapped_column(Boolean, default=True)
    #: normalized query -> platform product ids shown first, in this order
    pinned: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    #: groups of interchangeable words, ``[["sofa", "couch"], ...]``
    synonyms: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    stop_words: Mapped[list[str]] = mapped_column(JSON, default=list)


class AssistantSettings(db.Model):
    """The shopper's assistant of a site: its name, tone, starter questions and languages."""

    __tablename__ = "assistant_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(60), default="Assistant")
    tone: Mapped[str] = mapped_column(String(20), default=TONES[0])
    starters: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    #: which answer provider writes the reply (see ``hub.widget.assistant``)
    provider: Mapped[str] = mapped_column(String(40), default="deterministic")


class SearchQueryStat(db.Model):
    """How often a normalized query was searched on a day, found nothing, and led to a product click.

    No shopper identifier, address or time finer than the day is stored.
    """

    __tablename__ = "search_query_stats"
    __table_args__ = (
        UniqueConstraint("site_id", "day", "query", name="uq_search_query_stats_site_day_query"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(200))
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
