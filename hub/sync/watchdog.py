"""The watchdog: resumes abandoned runs and starts scheduled syncs. Every worker runs it periodically.

Safe with several workers on several machines: each takeover is a conditional UPDATE on the run row,
so exactly one worker wins it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from hub.extensions import db
from hub.models import ConnectionStatus, RunKind, RunState, Site, SyncRun
from hub.models.base import utcnow
from hub.sync import jobs, runs

log = logging.getLogger(__name__)


def _stale_after() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("HUB_SYNC_STALE_SECONDS", 90)))


def resume_abandoned() -> list[int]:
    """Re-enqueue runs whose worker died (no heartbeat) or whose job Redis lost; returns their ids."""
    now = utcnow()
    cutoff = now - _stale_after()
    candidates = db.session.execute(
        select(SyncRun.id, SyncRun.job_id, SyncRun.state).where(
            SyncRun.state.in_(runs.ACTIVE),
            or_(
                SyncRun.heartbeat_at < cutoff,
                (SyncRun.heartbeat_at.is_(None)) & (SyncRun.created_at < cutoff),
            ),
        )
    ).all()
    resumed = []
    for run_id, job_id, state in candidates:
        if state == RunState.QUEUED.value and jobs.job_exists(job_id):
            continue  # waiting for a free worker, not lost
        new_job_id = f"sync-{run_id}-{uuid.uuid4().hex[:8]}"
        claimed = db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id, SyncRun.job_id == job_id, SyncRun.state.in_(runs.ACTIVE))
            .values(job_id=new_job_id, state=RunState.QUEUED.value, stage="resuming", heartbeat_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue  # another worker took it
        run = db.session.get(SyncRun, run_id)
        jobs.enqueue(run, new_job=False)
        log.warning("resumed abandoned sync run %s from its last cursor", run_id)
        resumed.append(run_id)
    return resumed


def start_scheduled() -> list[int]:
    """Start incremental syncs and reconciles that are due; returns the new runs' ids."""
    now = utcnow()
    started = []
    sites = db.session.scalars(
        select(Site).where(
            Site.connection_status == ConnectionStatus.CONNECTED.value, Site.platform.is_not(None)
        )
    ).all()
    for site in sites:
        for kind, interval, attr in (
            (RunKind.INCREMENTAL, site.sync_interval_minutes, "next_sync_at"),
            (RunKind.RECONCILE, site.reconcile_interval_minutes, "next_reconcile_at"),
        ):
            if not interval or interval <= 0:
                continue
            due = getattr(site, attr)
            if due is None:
                # First sight of the site: schedule rather than start (the merchant starts the first sync).
                setattr(site, attr, now + timedelta(minutes=interval))
                db.session.commit()
                continue
            if due > now or runs.last_product_walk(site.id) is None:
                continue
            claimed = db.session.execute(
                update(Site)
                .where(Site.id == site.id, getattr(Site, attr) == due)
                .values({attr: now + timedelta(minutes=interval)})
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
            if claimed != 1:
                continue
            run, created = runs.start_run(site, kind, trigger="schedule")
            if created:
                started.append(run.id)
    return started


def tick() -> None:
    """One watchdog pass."""
    try:
        resume_abandoned()
        start_scheduled()
    finally:
        db.session.remove()
