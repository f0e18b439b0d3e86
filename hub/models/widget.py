"""The Claudery widget of a site: how it looks, where it may load, what it searches, and its public key."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow

#: public site keys start with this, so a merchant (and a secret scanner) can tell them from secrets
KEY_PREFIX = "cw_pub_"

POSITIONS = ("bottom-right", "bottom-left")
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch", "es": "Español", "nl": "Nederlands"}
DEFAULT_ACCENT = "#4f46e5"
DEFAULT_GREETING = "Hi! What are you looking for today?"
MAX_RESULTS = 20


def new_site_key() -> str:
    """A fresh public site key: random, unguessable, URL-safe (it travels in a script tag, never secret)."""
    return KEY_PREFIX + secrets.token_urlsafe(18)


class WidgetSettings(db.Model):
    """One per site, created on first visit of the widget settings page.

    The site key is public by design (it is in every storefront page), so it is stored as is with a unique
    index for the lookup; rotating it replaces the value, and the old one then matches no row.
    """

    __tablename__ = "widget_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    site_key: Mapped[str] = mapped_column(String(64), unique=True, default=new_site_key)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[str] = mapped_column(String(20), default=POSITIONS[0])
    accent_color: Mapped[str] = mapped_column(String(7), default=DEFAULT_ACCENT)
    greeting: Mapped[str] = mapped_column(Text, default=DEFAULT_GREETING)
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: exact origins ("https://shop.example.com"), normalized; the only pages allowed to use the widget
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    include_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    include_out_of_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    results_per_answer: Mapped[int] = mapped_column(Integer, default=5)
    key_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when an allowed storefront page first and last loaded the widget (written at most once a minute)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_origin: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    site = relationship("Site")

    def rotate_key(self) -> str:
        """Replace the site key; the old key stops working at once. Returns the new key."""
        self.site_key = new_site_key()
        self.key_rotated_at = utcnow()
        return self.site_key

    def __repr__(self) -> str:
        return f"<WidgetSettings site={self.site_id} enabled={self.enabled}>"


class WidgetSearchCount(db.Model):
    """Storefront searches of a site's widget per hour (for "searches in the last 24 hours")."""

    __tablename__ = "widget_search_counts"
    __table_args__ = (UniqueConstraint("site_id", "hour", name="uq_widget_search_counts_site_hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: the hour's start, UTC
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer, default=0)


class WidgetRefusal(db.Model):
    """A page origin that tried to load the widget but is not on the allow-list (a bounded list per site)."""

    __tablename__ = "widget_refusals"
    __table_args__ = (UniqueConstraint("site_id", "origin", name="uq_widget_refusals_site_origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(255))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
