"""The watchdog: resumes abandoned runs and starts scheduled syncs. Every worker runs it periodically.

Safe with several workers on several machines: each takeover is a conditional UPDATE on the run row that
also bumps the run's epoch, so exactly one worker wins it and the previous owner (if it is only stalled)
can no longer commit anything for the run.
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
#: a queued run younger than this is left alone (its job is being enqueued right now)
ENQUEUE_GRACE = timedelta(seconds=5)


def _stale_after() -> timedelta:
    return timedelta(seconds=float(current_app.config["HUB_SYNC_STALE_SECONDS"]))


def resume_abandoned() -> list[int]:
    """Re-enqueue runs that cannot move on; returns their ids.

    * running with no heartbeat for ``HUB_SYNC_STALE_SECONDS``: the worker died or hangs;
    * queued, but its job is not live in Redis (lost, failed, finished, stopped, cancelled): checked on
      every pass, so such a run blocks its site for one watchdog interval at most.
    """
    now = utcnow()
    cutoff = now - _stale_after()
    candidates = db.session.execute(
        select(SyncRun.id, SyncRun.job_id, SyncRun.state).where(
            or_(
                (SyncRun.state == RunState.RUNNING.value)
                & or_(SyncRun.heartbeat_at < cutoff, SyncRun.heartbeat_at.is_(None)),
                (SyncRun.state == RunState.QUEUED.value)
                & or_(SyncRun.heartbeat_at.is_(None), SyncRun.heartbeat_at < now - ENQUEUE_GRACE)
                & (SyncRun.created_at < now - ENQUEUE_GRACE),
            )
        )
    ).all()
    resumed = []
    for run_id, job_id, state in candidates:
        if state == RunState.QUEUED.value and jobs.job_is_live(job_id):
            continue  # waiting for a free worker or for its retry time
        new_job_id = f"sync-{run_id}-{uuid.uuid4().hex[:8]}"
        claimed = db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run_id, SyncRun.job_id == job_id, SyncRun.state == state)
            .values(
                job_id=new_job_id,
                state=RunState.QUEUED.value,
                heartbeat_at=now,
                epoch=SyncRun.epoch + 1,  # fences off the previous owner
                resumes=SyncRun.resumes + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue  # another worker took it
        run = db.session.get(SyncRun, run_id)
        db.session.refresh(run)
        jobs.enqueue(run, new_job=False)
        log.warning(
            "resumed sync run %s (%s, job %s not live) from its stage and cursor", run_id, state, job_id
        )
        resumed.append(run_id)
    return resumed


#: (kind, interval attribute, due attribute) of each schedule a site has
SCHEDULES = (
    (RunKind.INCREMENTAL, "sync_interval_minutes", "next_sync_at"),
    (RunKind.RECONCILE, "reconcile_interval_minutes", "next_reconcile_at"),
    (RunKind.FULL, "full_sync_interval_minutes", "next_full_sync_at"),
)


def start_scheduled() -> list[int]:
    """Start incremental syncs, reconciles and periodic full syncs that are due; returns the new runs' ids."""
    now = utcnow()
    started = []
    sites = db.session.scalars(
        select(Site).where(
            Site.connection_status == ConnectionStatus.CONNECTED.value, Site.platform.is_not(None)
        )
    ).all()
    for site in sites:
        for kind, interval_attr, attr in SCHEDULES:
            interval = getattr(site, interval_attr)
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
