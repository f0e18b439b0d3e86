"""RQ glue: the queue, enqueueing a run (by id only: no secret ever goes into job arguments), the job."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from hub.extensions import db
from hub.models import SyncRun

JOB_FUNC = "hub.sync.jobs.execute_run"


def redis_connection() -> Redis:
    """Redis from ``REDIS_URL``."""
    url = current_app.config["REDIS_URL"]
    if not url:
        raise RuntimeError("REDIS_URL is not set; start Redis or use `hub quickstart`.")
    return Redis.from_url(url)


def queue() -> Queue:
    """The hub's named queue."""
    return Queue(current_app.config["HUB_QUEUE"], connection=redis_connection())


def enqueue(run: SyncRun, *, new_job: bool = True, delay: float = 0.0) -> str:
    """Put the run on the queue under a fresh job id stored on the run (committed here).

    With ``delay``, RQ's scheduler (every ``hub worker`` runs it) enqueues the job after that many seconds.
    """
    job_id = f"sync-{run.id}-{uuid.uuid4().hex[:8]}" if new_job or not run.job_id else run.job_id
    run.job_id = job_id
    db.session.commit()
    options = {
        "job_id": job_id,
        "job_timeout": int(current_app.config["HUB_SYNC_JOB_TIMEOUT"]),
        "result_ttl": 24 * 3600,
        "failure_ttl": 7 * 24 * 3600,
        "description": f"sync run {run.id} of site {run.site_id}",
    }
    if delay > 0:
        queue().enqueue_in(timedelta(seconds=delay), JOB_FUNC, run.id, **options)
    else:
        queue().enqueue(JOB_FUNC, run.id, **options)
    return job_id


def cancel_job(job_id: str | None) -> None:
    """Drop a queued job from Redis if it is still there (the run row is already cancelled)."""
    if not job_id:
        return
    try:
        Job.fetch(job_id, connection=redis_connection()).cancel()
    except Exception:  # already gone or running: the run row decides, the job will see it
        return


#: job states in which the job will still run (or is running): anything else cannot move its run on
LIVE_JOB_STATES = frozenset({"queued", "started", "scheduled", "deferred"})


def job_is_live(job_id: str | None) -> bool:
    """True when Redis knows the job and it can still run: its *status*, not mere existence, decides.

    A failed, finished, stopped or cancelled job will never execute its run again, although Redis keeps
    it for days.
    """
    if not job_id:
        return False
    try:
        status = Job.fetch(job_id, connection=redis_connection()).get_status(refresh=True)
    except NoSuchJobError:
        return False
    return status is not None and str(getattr(status, "value", status)) in LIVE_JOB_STATES


def execute_run(run_id: int) -> str:
    """The RQ job: run a sync inside the app context."""
    from rq import get_current_job

    from hub.sync.engine import execute

    job = get_current_job()
    job_id = job.id if job is not None else None
    if has_app_context():
        return execute(run_id, job_id)
    from hub import create_app

    with create_app().app_context():
        return execute(run_id, job_id)
