"""Alert conditions of a site and whether its owner was mailed about them (one mail per condition)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow


class AlertState(db.Model):
    """An open condition (``sync_failed``, ``needs_attention``, ``unusual_usage``) of a site.

    The row exists while the condition holds; it is deleted when the condition clears, so the next
    occurrence mails again. ``mailed_at`` stays NULL while a mail could not be sent (retried next pass).
    """

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("site_id", "condition", name="uq_alert_states_site_condition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
