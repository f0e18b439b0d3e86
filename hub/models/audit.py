"""The audit log: who changed a site's credentials or widget key, and when. Never the values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One change to a site's access: credentials saved, widget key rotated, allowed origins changed."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_site_created", "site_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: the account that made the change; NULL for the command line (``actor`` then says so)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    #: what changed, by name only (e.g. the credential field names), never a value
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
