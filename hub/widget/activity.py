"""What the widget did on storefronts, for the merchant's dashboard: seen when and where, searches per
hour, and pages that were refused because their origin is not allowed.

Recording is best effort: a failure here is logged and rolled back, and the shopper's answer goes on.
Writes are bounded: "seen" at most once a minute per site, one counter row per site and hour, and at most
:data:`MAX_REFUSALS` refused origins per site (the oldest is forgotten first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hub.extensions import db
from hub.models import WidgetRefusal, WidgetSearchCount, WidgetSettings
from hub.models.base import utcnow

log = logging.getLogger(__name__)
SEEN_EVERY = timedelta(minutes=1)
MAX_REFUSALS = 10
KEEP_HOURS = timedelta(hours=48)


def _safely(action, *args) -> None:
    try:
        action(*args)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("widget activity not recorded (%s): %s", action.__name__, type(exc).__name__)


def record_seen(settings: WidgetSettings, origin: str) -> None:
    """An allowed storefront page of ``origin`` loaded the widget."""
    now = utcnow()
    if settings.last_seen_at is not None and now - settings.last_seen_at < SEEN_EVERY:
        return

    def seen() -> None:
        settings.first_seen_at = settings.first_seen_at or now
        settings.last_seen_at = now
        settings.last_seen_origin = origin[:255]

    _safely(seen)


def record_refused(settings: WidgetSettings, origin: str) -> None:
    """A page of ``origin``, not on the allow-list, tried to load the widget."""
    origin = origin.strip().lower()[:255]
    now = utcnow()

    def refused() -> None:
        row = db.session.scalar(
            select(WidgetRefusal).where(
                WidgetRefusal.site_id == settings.site_id, WidgetRefusal.origin == origin
            )
        )
        if row is not None:
            if now - row.last_at >= SEEN_EVERY:
                row.count += 1
                row.last_at = now
            return
        db.session.add(
            WidgetRefusal(site_id=settings.site_id, origin=origin, count=1, first_at=now, last_at=now)
        )
        db.session.flush()
        keep = select(WidgetRefusal.id).where(WidgetRefusal.site_id == settings.site_id)
        keep = keep.order_by(WidgetRefusal.last_at.desc(), WidgetRefusal.id.desc()).limit(MAX_REFUSALS)
        db.session.execute(
            delete(WidgetRefusal).where(
                WidgetRefusal.site_id == settings.site_id, WidgetRefusal.id.not_in(keep.scalar_subquery())
            )
        )

    _safely(refused)


def _hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def record_search(site_id: int) -> None:
    """A shopper searched with the widget on an allowed storefront."""
    hour = _hour(utcnow())

    def searched() -> None:
        bump = (
            update(WidgetSearchCount)
            .where(WidgetSearchCount.site_id == site_id, WidgetSearchCount.hour == hour)
            .values(count=WidgetSearchCount.count + 1)
        )
        if db.session.execute(bump).rowcount:
            return
        db.session.execute(
            delete(WidgetSearchCount).where(
                WidgetSearchCount.site_id == site_id, WidgetSearchCount.hour < hour - KEEP_HOURS
            )
        )
        try:
            with db.session.begin_nested():
                db.session.add(WidgetSearchCount(site_id=site_id, hour=hour, count=1))
        except IntegrityError:  # another process made the hour's row first
            db.session.execute(bump)

    _safely(searched)


def count_search_after(response: Response, site_id: int) -> None:
    """Count a search once ``response`` has been sent: a write that waits on a busy database (a sync
    committing a batch) must not delay the shopper's answer."""
    app = current_app._get_current_object()

    def count() -> None:
        with app.app_context():
            try:
                record_search(site_id)
            finally:
                db.session.remove()

    response.call_on_close(count)


def forget_refusal(site_id: int, origin: str) -> None:
    """Drop a refused origin (the merchant allowed it); the caller commits."""
    db.session.execute(
        delete(WidgetRefusal).where(WidgetRefusal.site_id == site_id, WidgetRefusal.origin == origin)
    )


@dataclass(frozen=True)
class Activity:
    """The widget's storefront activity as the dashboard shows it."""

    first_seen_at: datetime | None
    last_seen_at: datetime | None
    last_seen_origin: str | None
    searches_24h: int
    refusals: list[WidgetRefusal]


def activity(settings: WidgetSettings) -> Activity:
    """The site's widget activity: first/last seen, searches in the last 24 hours, refused origins."""
    since = _hour(utcnow()) - timedelta(hours=23)
    searches = db.session.scalar(
        select(func.coalesce(func.sum(WidgetSearchCount.count), 0)).where(
            WidgetSearchCount.site_id == settings.site_id, WidgetSearchCount.hour >= since
        )
    )
    refusals = db.session.scalars(
        select(WidgetRefusal)
        .where(WidgetRefusal.site_id == settings.site_id)
        .order_by(WidgetRefusal.last_at.desc(), WidgetRefusal.id.desc())
    ).all()
    allowed = set(settings.allowed_origins or [])
    return Activity(
        first_seen_at=settings.first_seen_at,
        last_seen_at=settings.last_seen_at,
        last_seen_origin=settings.last_seen_origin,
        searches_24h=int(searches or 0),
        refusals=[r for r in refusals if r.origin not in allowed],
    )
