"""A site: one merchant store connected to Claudery, with its platform credentials and their state."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow


class ConnectionStatus(enum.StrEnum):
    """What the merchant sees next to a site's name."""

    NOT_CONNECTED = "not_connected"
    CONNECTED = "connected"
    NEEDS_ATTENTION = "needs_attention"


class Site(db.Model):
    """A store in Claudery. Non-secret credential fields are kept readable; secret ones encrypted."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    platform: Mapped[str | None] = mapped_column(String(64))
    #: credential fields the schema does not mark secret (e.g. the store hash)
    credentials_public: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a Fernet token of the JSON object of the secret fields (see hub.secrets)
    credentials_secret: Mapped[str | None] = mapped_column(Text)

    connection_status: Mapped[str] = mapped_column(String(32), default=ConnectionStatus.NOT_CONNECTED.value)
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column()
    last_test_message: Mapped[str | None] = mapped_column(Text)
    last_test_error_kind: Mapped[str | None] = mapped_column(String(32))
    #: what the last successful test learned (StoreInfo as a dict) and its warnings
    store_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    test_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)

    #: schedules: minutes between incremental syncs / deletion reconciles; 0 turns one off
    sync_interval_minutes: Mapped[int] = mapped_column(default=60)
    reconcile_interval_minutes: Mapped[int] = mapped_column(default=1440)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_reconcile_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: a periodic full walk repairs drift left by partially failed runs (default weekly; 0 = off)
    full_sync_interval_minutes: Mapped[int] = mapped_column(default=10080, server_default="10080")
    next_full_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the owner gets alert emails (sync failures, credentials, unusual API usage) unless they opt out
    alerts_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())

    owner = relationship("User", back_populates="sites")

    @property
    def status(self) -> ConnectionStatus:
        """The connection state as an enum."""
        return ConnectionStatus(self.connection_status)

    @property
    def store_name(self) -> str | None:
        """The store's name from the last successful test, if the platform told it."""
        return (self.store_info or {}).get("name")

    def __repr__(self) -> str:
        return f"<Site {self.id} {self.name!r} {self.platform}>"
