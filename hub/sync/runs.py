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
            lag = host_lag(site)  # the platform's own listing lag, on top of the clock-skew margin
            margin = timedelta(seconds=float(current_app.config["HUB_SYNC_SKEW_MARGIN_SECONDS"]) + lag)
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


def host_lag(site: Site) -> float:
    """Seconds the site's platform may take to list a change as modified (``incremental_lag_seconds``)."""
    host = current_host()
    return host.platform(site.platform).incremental_lag_seconds if host.has_platform(site.platform) else 0.0


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
        "stage_label": run_stage_label(run),
        "state_label": run_state_label(run.state),
        "outcome": outcome_text(run),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


# ----- wording and read helpers for the dashboard -------------------------------------------------------

#: the engine's stage names in the merchant's words
STAGE_LABELS = {
    "queued": "Waiting for a worker",
    "categories": "Reading categories and brands",
    "products": "Reading products",
    "listing ids": "Checking which products still exist",
    "checking deletions": "Checking for products deleted during the sync",
    "done": "Finished",
}
STATE_LABELS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "partially_failed": "Finished with errors",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
KIND_LABELS = {"full": "Full sync", "incremental": "Changes only", "reconcile": "Deleted-product check"}


def stage_label(stage: str | None) -> str:
    """A run's stage as the merchant reads it ("Reading products"); unknown stages capitalized."""
    if not stage:
        return ""
    return STAGE_LABELS.get(stage, stage.replace("_", " ").capitalize())


def run_stage_label(run: SyncRun) -> str:
    """What an active run is doing, in the merchant's words, including waits between executions.

    A run keeps its stage while it is queued again (it resumes there), so the state tells the wait apart.
    """
    if run.state == RunState.QUEUED.value and run.stage not in ("queued", None):
        if run.error_message and run.attempts:
            return "The store is not answering; trying again shortly"
        return f"Resuming shortly: {stage_label(run.stage).lower()}"
    return stage_label(run.stage)


def run_state_label(state: str) -> str:
    """A run's state as the merchant reads it ("Finished with errors")."""
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def kind_label(kind: str) -> str:
    """A run's kind as the merchant reads it ("Changes only")."""
    return KIND_LABELS.get(kind, kind.capitalize())


def last_known_total(site: Site) -> tuple[int | None, object | None]:
    """(the store's product count, when it was known): the newest of the last complete full walk's
    total and the connection test's count. Incremental runs only count changes, so they never say it."""
    walk = db.session.scalar(
        select(SyncRun)
        .where(
            SyncRun.site_id == site.id,
            SyncRun.kind.in_((RunKind.FULL.value, RunKind.RECONCILE.value)),
            SyncRun.state.in_(FINAL_OK),
            SyncRun.expected_total.is_not(None),
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    )
    candidates = []
    if walk is not None:
        candidates.append((walk.finished_at or walk.started_at, walk.expected_total))
    tested = (site.store_info or {}).get("product_count") if site.last_test_ok else None
    if isinstance(tested, int) and site.last_tested_at is not None:
        candidates.append((site.last_tested_at, tested))
    candidates = [c for c in candidates if c[0] is not None]
    if not candidates:
        return None, None
    at, total = max(candidates, key=lambda c: c[0])
    return total, at


def outcome_text(run: SyncRun) -> str:
    """One sentence on what a finished run did, honest about incremental runs.

    "Up to date — no changes since 14:05 UTC", "12 changed, 1 new", "1,500 products read", ...
    """
    if run.state in ACTIVE:
        return run_stage_label(run)
    if run.state == RunState.FAILED.value:
        return run.error_message or "The sync failed."
    if run.state == RunState.CANCELLED.value:
        return "Cancelled" + (f" after {run.products_seen:,} products" if run.products_seen else "") + "."
    parts = []
    if run.kind == RunKind.RECONCILE.value:
        gone = run.products_archived
        text = f"{run.products_seen:,} products still in the store; " + (
            "none deleted." if not gone else f"{gone:,} deleted product{'s' if gone != 1 else ''} archived."
        )
        parts.append(text)
    elif run.kind == RunKind.INCREMENTAL.value:
        changed, new = run.products_updated, run.products_created
        if not changed and not new:
            since = (
                run.modified_since.strftime("%Y-%m-%d %H:%M UTC") if run.modified_since else "the last sync"
            )
            parts.append(f"Up to date — no changes since {since}.")
        else:
            bits = [f"{changed:,} changed"] if changed else []
            bits += [f"{new:,} new"] if new else []
            parts.append(", ".join(bits) + ".")
    else:
        counts = [(run.products_created, "new"), (run.products_updated, "changed")]
        counts += [(run.products_unchanged, "unchanged"), (run.products_archived, "archived")]
        detail = ", ".join(f"{n:,} {word}" for n, word in counts if n)
        parts.append(f"{run.products_seen:,} products read" + (f": {detail}." if detail else "."))
    if run.products_failed:
        parts.append(f"{run.products_failed:,} could not be read.")
    return " ".join(parts)
