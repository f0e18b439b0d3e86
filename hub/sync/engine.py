"""Executing a sync run: claim it, walk its stages, commit page by page under a fence, conclude.

A run is a list of stages planned from the plugin's capabilities (``hub.sync.plan``). Each page of
products is committed with the run's counters and the plugin's resume cursor in one transaction, and every
write of the run row is conditional on the run's ``epoch`` (the ORM's version check): a worker whose run
was taken over by the watchdog fails its next commit and stops, so two walks of a site never overlap.

Stops are normal: a cancel ends the run as cancelled, a worker shutdown requeues it at its stage and
cursor, whichever stage the stop lands in (``StopRequested`` or an iterator that just ended).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Engine, and_, select, update
from sqlalchemy.orm.exc import StaleDataError

from hub import credentials
from hub.connection import mark_needs_attention, plugin_context
from hub.contract import ErrorKind, PlatformError, StopRequested
from hub.encryption import SecretsError
from hub.extensions import db
from hub.models import RunState, Site, SyncRun
from hub.models.base import utcnow
from hub.plugins import current_host
from hub.sync import fetch_process, jobs, stages
from hub.sync.plan import plan_stages
from hub.sync.runs import finish
from hub.sync.walk import Walk

log = logging.getLogger(__name__)

#: set by the worker on SIGTERM: the run stops at its next batch boundary and is requeued
SHUTDOWN = threading.Event()
UNEXPECTED = "The sync stopped on an unexpected error; it has been logged. Try again, or contact support."


class Heartbeat(threading.Thread):
    """Marks the run alive every few seconds, notices a cancel, and notices a takeover (fenced by epoch)."""

    def __init__(self, engine: Engine, run_id: int, epoch: int, interval: float):
        super().__init__(name=f"heartbeat-{run_id}", daemon=True)
        self.engine, self.run_id, self.epoch, self.interval = engine, run_id, epoch, interval
        self.cancelled = threading.Event()
        self.lost = threading.Event()  #: another worker owns the run now
        self._stop_event = threading.Event()

    def beat(self) -> None:
        """Write the heartbeat (only while this worker's epoch holds) and read the cancel flag."""
        with self.engine.begin() as conn:
            mine = and_(SyncRun.id == self.run_id, SyncRun.epoch == self.epoch)
            if conn.execute(update(SyncRun).where(mine).values(heartbeat_at=utcnow())).rowcount != 1:
                self.lost.set()
                return
            if conn.execute(select(SyncRun.cancel_requested).where(SyncRun.id == self.run_id)).scalar():
                self.cancelled.set()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.beat()
            except Exception as exc:  # a missed beat is harmless; the next one retries
                log.warning("heartbeat of run %s failed: %s", self.run_id, exc)

    def stop(self) -> None:
        """Stop beating."""
        self._stop_event.set()
        self.join(timeout=5)


@dataclass
class Usage:
    """Work a plugin reported outside product pages (id listings, taxonomy), added to the run's counters."""

    requests: int = 0
    rate_limit_wait: float = 0.0
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, requests: int = 0, rate_limit_wait: float = 0.0, throttled: int = 0, **_: float) -> None:
        """``PluginContext.record_usage``: thread-safe, cheap."""
        with self.lock:
            self.requests += int(requests)
            self.rate_limit_wait += float(rate_limit_wait)
            self.throttled += int(throttled)

    def drain(self, run: SyncRun) -> None:
        """Move what was recorded onto the run (committed with the run's next write)."""
        with self.lock:
            run.requests += self.requests
            run.rate_limit_wait_s += self.rate_limit_wait
            run.throttled += self.throttled
            self.requests, self.rate_limit_wait, self.throttled = 0, 0.0, 0


def _claim(run_id: int, job_id: str | None) -> int | None:
    """Move a QUEUED run owned by ``job_id`` to RUNNING under a new epoch; returns the epoch, or None.

    One conditional UPDATE: of two workers holding the same job, or a worker and a cancel, exactly one
    wins. A cancel requested before the claim wins over it.
    """
    now = utcnow()
    conditions = [
        SyncRun.id == run_id,
        SyncRun.state == RunState.QUEUED.value,
        SyncRun.cancel_requested.is_(False),
    ]
    if job_id is not None:
        conditions.append(SyncRun.job_id == job_id)
    with db.engine.begin() as conn:
        claimed = conn.execute(
            update(SyncRun)
            .where(*conditions)
            .values(
                state=RunState.RUNNING.value,
                epoch=SyncRun.epoch + 1,
                heartbeat_at=now,
                error_message=None,
                error_kind=None,
            )
        ).rowcount
        if claimed != 1:
            return None
        return conn.execute(select(SyncRun.epoch).where(SyncRun.id == run_id)).scalar_one()


def execute(run_id: int, job_id: str | None) -> str:
    """Run (or resume) sync run ``run_id`` if ``job_id`` still owns it; returns the final state."""
    db.session.remove()
    epoch = _claim(run_id, job_id)
    if epoch is None:
        return _not_claimed(run_id, job_id)
    run = db.session.get(SyncRun, run_id)
    run.started_at = run.started_at or run.heartbeat_at
    db.session.commit()
    heartbeat = Heartbeat(db.engine, run_id, epoch, float(current_app.config["HUB_SYNC_HEARTBEAT_SECONDS"]))
    heartbeat.start()
    try:
        return _execute(run, heartbeat, epoch)
    except StaleDataError:
        db.session.rollback()
        log.warning("sync run %s was taken over by another worker; this one stops", run_id)
        return "superseded"
    except Exception:
        log.exception("sync run %s failed", run_id)
        return _fail_unexpectedly(run_id, epoch)
    finally:
        heartbeat.stop()
        db.session.remove()


def _not_claimed(run_id: int, job_id: str | None) -> str:
    run = db.session.get(SyncRun, run_id)
    if run is None or run.state not in (RunState.QUEUED.value, RunState.RUNNING.value):
        return "skipped"
    if job_id is not None and run.job_id != job_id:
        return "superseded"  # the watchdog re-enqueued this run under a newer job
    if run.state == RunState.QUEUED.value and run.cancel_requested:
        finish(run, RunState.CANCELLED, "Cancelled before it started.")
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return "superseded"
        return run.state
    return "superseded"  # running under another worker


def _fail_unexpectedly(run_id: int, epoch: int) -> str:
    db.session.rollback()
    run = db.session.get(SyncRun, run_id)
    if run is None or run.epoch != epoch:
        return "superseded"
    finish(run, RunState.FAILED, UNEXPECTED, ErrorKind.UNKNOWN.value)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return "superseded"
    return run.state


def _execute(run: SyncRun, heartbeat: Heartbeat, epoch: int) -> str:
    site = db.session.get(Site, run.site_id)
    host = current_host()
    if site is None or not host.has_platform(site.platform):
        finish(
            run, RunState.FAILED, "The site has no installed platform plugin; reconnect the store.", "config"
        )
        db.session.commit()
        return run.state
    try:
        creds = credentials.stored(site)
    except SecretsError as exc:
        finish(run, RunState.FAILED, str(exc), ErrorKind.CONFIG.value)
        db.session.commit()
        return run.state

    def should_stop() -> bool:
        return heartbeat.cancelled.is_set() or SHUTDOWN.is_set() or heartbeat.lost.is_set()

    usage = Usage()
    context = plugin_context(
        host,
        site.platform,
        should_stop=should_stop,
        save_credentials=credentials.persister(host, site.id, site.platform),
        record_usage=usage.record,
    )
    walk = Walk(
        run=run,
        site=site,
        host=host,
        credentials=creds,
        context=context,
        usage=usage,
        epoch=epoch,
        fetch_process=bool(current_app.config["HUB_SYNC_FETCH_PROCESS"]) and fetch_process.available(),
    )
    stopped = False
    planned = plan_stages(run, host.platform(site.platform), host)
    try:
        try:
            for n, stage in enumerate(planned):
                if not walk.resumes_at(stage):
                    continue
                if n + 1 < len(planned):
                    planned[n + 1].start_early(walk)  # the product fetch overlaps the taxonomy listing
                with walk.timeline.stage(stage.name):
                    stage.run(walk)
                if should_stop():
                    stopped = True
                    break
                walk.advance()
        finally:
            walk.close_early()
    except StopRequested:
        db.session.rollback()
        stopped = True
    except PlatformError as exc:
        db.session.rollback()
        state = _platform_failure(walk, exc)
        _log_timeline(walk, state)
        return state
    if stopped:
        heartbeat.beat()  # the stop may come from a cancel the last periodic beat has not read yet
    usage.drain(run)
    if heartbeat.lost.is_set():
        raise StaleDataError("run taken over")
    walk.fence()
    if stopped and heartbeat.cancelled.is_set():
        finish(run, RunState.CANCELLED, "Cancelled; products synced so far are kept.")
    elif stopped:
        # Shutdown (or a plugin stopping on its own): the stage and cursor stay, another execution resumes.
        run.state = RunState.QUEUED.value
        db.session.commit()
        jobs.enqueue(run)
        _log_timeline(walk, "stopped; requeued to resume")
        return run.state
    else:
        stages.conclude(walk)
    db.session.commit()
    _log_timeline(walk, run.state)
    return run.state


def _log_timeline(walk: Walk, outcome: str) -> None:
    """One line of where this execution's time went (``hub.sync.timeline``): when it succeeded, failed on the
    platform's account, was cancelled or stopped and requeued (a crash or a takeover logs its own error)."""
    log.info("sync run %s %s (%s)", walk.run.id, walk.timeline.summary(), outcome)


def _platform_failure(walk: Walk, exc: PlatformError) -> str:
    """A failure after the plugin's own retries: ask the merchant, retry later, or fail (bugs)."""
    run, site = walk.run, walk.site
    walk.fence()
    if exc.kind.needs_merchant:
        mark_needs_attention(site, exc.kind, exc.message)
    elif exc.kind.transient and _retry_later(run, exc):
        return run.state
    elif exc.kind == ErrorKind.UNKNOWN:
        # a bug or an undocumented answer: the traceback goes to the log, the merchant gets the plain message
        log.error("sync run %s: the plugin reported an unknown error: %s", run.id, exc.message, exc_info=exc)
    finish(run, RunState.FAILED, exc.message, exc.kind.value)
    db.session.commit()
    return run.state


def _retry_later(run: SyncRun, exc: PlatformError) -> bool:
    """Requeue a run that hit a transient failure (after the plugin's own retries) to resume later.

    The platform being down for a few minutes should not cost the merchant a sync: the run waits with
    growing delays (``HUB_SYNC_RETRY_SECONDS`` times 2^n; after a 429, at least until the quota resets) and
    resumes from its committed stage and cursor. Only failures count against ``HUB_SYNC_MAX_ATTEMPTS``;
    a resume after a shutdown or a takeover does not.
    """
    cfg = current_app.config
    if run.attempts + 1 >= int(cfg["HUB_SYNC_MAX_ATTEMPTS"]):
        return False
    run.attempts += 1
    delay = float(cfg["HUB_SYNC_RETRY_SECONDS"]) * 2 ** (run.attempts - 1)
    if exc.kind == ErrorKind.RATE_LIMITED and exc.retry_after:
        delay = max(delay, exc.retry_after)  # the platform said when its quota comes back
    run.state = RunState.QUEUED.value
    run.error_message = f"{exc.message} Retrying automatically in {round(delay)} s."
    run.error_kind = exc.kind.value
    jobs.enqueue(run, delay=delay)
    log.warning("sync run %s: %s; retry %s in %.0f s", run.id, exc.kind, run.attempts, delay)
    return True
