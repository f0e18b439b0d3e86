"""Sync runs: every sync is a record (the source of truth; RQ job data expires) with its errors."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.models.base import UTCDateTime, utcnow


class RunKind(enum.StrEnum):
    """What a run fetches."""

    FULL = "full"
    INCREMENTAL = "incremental"
    RECONCILE = "reconcile"


class RunState(enum.StrEnum):
    """Where a run is; the last four are final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Queued or running."""
        return self in (RunState.QUEUED, RunState.RUNNING)


class SyncRun(db.Model):
    """One sync of one site."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_site_created", "site_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    #: equals site_id while the run is queued or running, else NULL; its unique constraint is what makes
    #: "one active sync per site" atomic across web processes and workers
    active_site_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=RunState.QUEUED.value)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual, schedule, cli, resume
    job_id: Mapped[str | None] = mapped_column(String(64))
    #: executions that ended in a transient failure and were retried (resumes do not count)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: bumped by every claim (a worker starting the run, the watchdog taking it over); each write of the
    #: worker that owns the run is conditional on it (the ORM's version check), so a stalled worker whose
    #: run was taken over cannot commit anything after the takeover
    epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_requested: Mapped[bool] = mapped_column(default=False)

    products_seen: Mapped[int] = mapped_column(Integer, default=0)
    products_created: Mapped[int] = mapped_column(Integer, default=0)
    products_updated: Mapped[int] = mapped_column(Integer, default=0)
    products_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    products_archived: Mapped[int] = mapped_column(Integer, default=0)
    products_failed: Mapped[int] = mapped_column(Integer, default=0)
    expected_total: Mapped[int | None] = mapped_column(Integer)
    stored_total: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    #: platform answers that said "slow down" (429, THROTTLED), as the plugin reported them
    throttled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: times the watchdog took the run over (worker died, or its job was lost); not failures
    resumes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rate_limit_wait_s: Mapped[float] = mapped_column(default=0.0)
    #: the plugin's opaque resume cursor, committed with each batch
    cursor: Mapped[str | None] = mapped_column(Text)
    #: for incremental runs: products modified since this instant (already minus the skew margin)
    modified_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: when the product walk began: the next incremental run starts from here
    high_water_mark: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_message: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    #: something the merchant should know that is not an error (e.g. how deletions were checked)
    notice: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": epoch, "version_id_generator": False}

    @property
    def run_state(self) -> RunState:
        """The state as an enum."""
        return RunState(self.state)


class SyncError(db.Model):
    """A per-product error recorded during a run (the run went on)."""

    __tablename__ = "sync_errors"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id", ondelete="CASCADE"), index=True)
    product_platform_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
