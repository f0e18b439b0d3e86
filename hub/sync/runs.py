"""Starting, cancelling and reading sync runs (used by the web views, the CLI and the scheduler)."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from hub.contract import Capability
from hub.extensions import db
from hub.models import Product, RunKind, RunState, Site, SyncRun
from hub.models.base import utcnow
from hub.plugins import current_host

log = logging.getLogger(__name__)
ACTIVE = (RunState.QUEUED.value, RunState.RUNNING.value)
FINAL_OK = (RunState.SUCCEEDED.value, RunState.PARTIALLY_FAILED.value)


def active_run(site_id: int) -> SyncRun | None:
    """The site's queued or running run, if any."""
    return db.session.scalar(select(SyncRun).where(SyncRun.active_site_id == site_id))


def last_product_walk(site_id: int) -> SyncRun | None:
    """The latest full or incremental run that finished its walk (its high-water mark is usable)."""
    return db.session.scalar(
        select(SyncRun)
        .where(
            SyncRun.site_id == site_id,
            SyncRun.kind.in_((RunKind.FULL.value, RunKind.INCREMENTAL.value)),
            SyncRun.state.in_(FINAL_OK),
            SyncRun.high_water_mark.is_not(None),
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    )


def start_run(site: Site, kind: RunKind, trigger: str = "manual") -> tuple[SyncRun, bool]:
    """Queue a run unless one is active; returns (the run, whether it is new).

    Atomic across processes: the unique ``active_site_id`` lets exactly one insert win.
    """
    modified_since = None
    notice = None
    kind, notice = _feasible(site, kind)
    if kind == RunKind.INCREMENTAL:
        previous = last_product_walk(site.id)
        if previous is None:
            kind = RunKind.FULL  # nothing to be incremental from
        else:
            margin = timedelta(seconds=float(current_app.config["HUB_SYNC_SKEW_MARGIN_SECONDS"]))
            modified_since = previous.high_water_mark - margin
    run = SyncRun(
        site_id=site.id,
        active_site_id=site.id,
        kind=kind.value,
        state=RunState.QUEUED.value,
        stage="queued",
        trigger=trigger,
        modified_since=modified_since,
        notice=notice,
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = active_run(site.id)
        if existing is not None:
            return existing, False
        raise
    from hub.sync import jobs

    try:
        jobs.enqueue(run)
    except Exception as exc:  # Redis down: say so instead of leaving a run queued forever
        log.error("could not enqueue run %s: %s", run.id, exc)
        finish(run, RunState.FAILED, "The job queue is unreachable (is Redis running?). Try again shortly.")
        db.session.commit()
    return run, True


def _feasible(site: Site, kind: RunKind) -> tuple[RunKind, str | None]:
    """The kind of run the site's plugin can do, and a notice when it differs from the one asked for."""
    host = current_host()
    if not host.has_platform(site.platform):
        return kind, None
    info = host.platform(site.platform)
    if kind == RunKind.RECONCILE and not host.supports(site.platform, "list_product_ids"):
        return RunKind.FULL, (
            f"{info.display_name} cannot list product ids alone, so deleted products are found by a full "
            "sync (products the store no longer has are archived at its end)."
        )
    if kind == RunKind.INCREMENTAL and not info.has(Capability.INCREMENTAL):
        return RunKind.FULL, f"{info.display_name} cannot list only changed products: this is a full sync."
    return kind, None


def finish(run: SyncRun, state: RunState, message: str | None = None, kind: str | None = None) -> None:
    """Mark a run final and release the site's active slot (the caller commits)."""
    run.state = state.value
    run.stage = "done"
    run.finished_at = utcnow()
    run.active_site_id = None
    if message is not None:
        run.error_message = message
    if kind is not None:
        run.error_kind = kind


def cancel(site_id: int) -> SyncRun | None:
    """Cancel the site's active run: a queued one at once, a running one at its next batch."""
    run = active_run(site_id)
    if run is None:
        return None
    # Conditional, and never through the ORM's fenced write: a worker may claim the run at this very moment.
    # Either the run is still queued and ends cancelled here, or the flag makes the worker stop (its claim
    # refuses a run with the flag set, and a running walk checks it at every page).
    cancelled = db.session.execute(
        update(SyncRun)
        .where(SyncRun.id == run.id, SyncRun.state == RunState.QUEUED.value)
        .values(
            state=RunState.CANCELLED.value,
            stage="done",
            finished_at=utcnow(),
            active_site_id=None,
            error_message="Cancelled before it started.",
            cancel_requested=True,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not cancelled:
        db.session.execute(
            update(SyncRun)
            .where(SyncRun.id == run.id)
            .values(cancel_requested=True)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    if cancelled:
        from hub.sync import jobs

        jobs.cancel_job(run.job_id)
    db.session.refresh(run)
    return run


def stored_product_count(site_id: int) -> int:
    """Products stored for the site, archived ones excluded."""
    return db.session.scalar(
        select(func.count())
        .select_from(Product)
        .where(Product.site_id == site_id, Product.archived_at.is_(None))
    )


def history(site_id: int, limit: int = 20) -> list[SyncRun]:
    """The site's latest runs, newest first."""
    return list(
        db.session.scalars(
            select(SyncRun).where(SyncRun.site_id == site_id).order_by(SyncRun.id.desc()).limit(limit)
        )
    )


def progress(run: SyncRun) -> dict:
    """A run as JSON for the live progress bar and ``hub sync status``."""
    now = utcnow()
    elapsed = ((run.finished_at or now) - run.started_at).total_seconds() if run.started_at else 0.0
    done = run.products_seen + run.products_failed
    rate = done / elapsed if elapsed > 0 else 0.0
    total = run.expected_total
    eta = (total - done) / rate if rate > 0 and total and total > done and run.state == "running" else None
    return {
        "id": run.id,
        "kind": run.kind,
        "state": run.state,
        "stage": run.stage,
        "active": run.state in ACTIVE,
        "seen": run.products_seen,
        "created": run.products_created,
        "updated": run.products_updated,
        "unchanged": run.products_unchanged,
        "archived": run.products_archived,
        "failed": run.products_failed,
        "expected_total": total,
        "stored_total": run.stored_total,
        "requests": run.requests,
        "rate_per_s": round(rate, 1),
        "eta_s": round(eta) if eta is not None else None,
        "elapsed_s": round(elapsed, 1),
        "rate_limit_wait_s": round(run.rate_limit_wait_s, 1),
        "error": run.error_message,
        "cancel_requested": run.cancel_requested,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
