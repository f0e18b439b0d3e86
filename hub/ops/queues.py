"""The RQ queues as operators see them: depth, oldest job, workers, failed jobs (with retry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry

from hub.sync import jobs


@dataclass(frozen=True)
class QueueInfo:
    """One queue's figures."""

    name: str
    depth: int
    failed: int
    oldest_seconds: float
    workers: int


@dataclass(frozen=True)
class FailedJob:
    """A job in a failed registry: what it ran and why it failed (the last line of its traceback)."""

    id: str
    queue: str
    func: str
    args: str
    ended_at: datetime | None
    error: str


def _queue_names() -> list[str]:
    return [current_app.config["HUB_QUEUE"]]


def queue_overview() -> list[QueueInfo]:
    """Figures of every queue the hub uses."""
    connection = jobs.redis_connection()
    found = []
    for name in _queue_names():
        queue = Queue(name, connection=connection)
        oldest = 0.0
        first = queue.get_job_ids(0, 1)
        if first:
            job = Job.fetch(first[0], connection=connection)
            if job.enqueued_at is not None:
                enqueued = job.enqueued_at.replace(tzinfo=job.enqueued_at.tzinfo or UTC)
                oldest = max(0.0, (datetime.now(UTC) - enqueued).total_seconds())
        found.append(
            QueueInfo(
                name=name,
                depth=queue.count,
                failed=FailedJobRegistry(queue=queue).count,
                oldest_seconds=oldest,
                workers=len(Worker.all(queue=queue)),
            )
        )
    return found


def workers() -> list[Worker]:
    """Every worker registered on the hub's Redis."""
    return Worker.all(connection=jobs.redis_connection())


def failed_jobs(limit: int = 100) -> list[FailedJob]:
    """The most recent failed jobs of the hub's queues."""
    connection = jobs.redis_connection()
    found: list[FailedJob] = []
    for name in _queue_names():
        registry = FailedJobRegistry(name, connection=connection)
        for job in Job.fetch_many(registry.get_job_ids(0, limit - 1), connection=connection):
            if job is None:
                continue
            trace = (job.latest_result().exc_string if job.latest_result() else "") or ""
            found.append(
                FailedJob(
                    id=job.id,
                    queue=name,
                    func=job.func_name,
                    args=", ".join(repr(a) for a in job.args),  # run ids only: job arguments hold no secrets
                    ended_at=job.ended_at,
                    error=(trace.strip().splitlines() or [""])[-1][:300],
                )
            )
    return found


def retry_failed(job_id: str) -> bool:
    """Requeue a failed job; False when it is no longer in a failed registry."""
    connection = jobs.redis_connection()
    for name in _queue_names():
        registry = FailedJobRegistry(name, connection=connection)
        if job_id in registry.get_job_ids():
            registry.requeue(job_id)
            return True
    return False
