"""Live updates: a site's webhook endpoint (token, secret, state at the platform) and the batches applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow


class WebhookEndpoint(db.Model):
    """One per site: where the platform delivers (``/webhooks/<token>``) and how the hub knows it is real."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    #: the unguessable path segment of the receiving URL (256 random bits)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: a Fernet token of {"secret": ...}: the per-site value the platform sends back with each delivery
    secret_encrypted: Mapped[str] = mapped_column(Text)
    #: not_configured / active / deactivated / missing / failed (see hub.webhooks.lifecycle)
    state: Mapped[str] = mapped_column(String(32), default="not_configured")
    message: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: how often the periodic check found the hooks deactivated and re-created them
    reactivations: Mapped[int] = mapped_column(default=0)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookBatch(db.Model):
    """One applied batch of webhook changes: what the sync page sums as "live updates"."""

    __tablename__ = "webhook_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    events: Mapped[int] = mapped_column(default=0)  #: distinct products announced
    updated: Mapped[int] = mapped_column(default=0)  #: created or changed in the hub
    unchanged: Mapped[int] = mapped_column(default=0)
    archived: Mapped[int] = mapped_column(default=0)
    #: events older than the stored product (out of order), or fetched versions older than it
    stale: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)  #: records the platform sent that could not be stored
    requests: Mapped[int] = mapped_column(default=0)  #: platform requests the fetch made
    seconds: Mapped[float] = mapped_column(default=0.0)
