"""Sync and platform figures for Prometheus, read from the database (and Redis) at scrape time.

Nothing in the sync engine is instrumented: runs are records with their counters, so a scrape sums them.
Counters are totals over the runs the database keeps (Prometheus' ``rate()`` handles them as counters;
deleting a site's history looks like a counter reset, which it tolerates).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Flask
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import extract, func, select

from hub.extensions import db
from hub.models import Product, RunState, Site, SyncRun
from hub.models.base import utcnow

log = logging.getLogger(__name__)
FINAL_STATES = ("succeeded", "partially_failed", "failed", "cancelled")


def duration_seconds(dialect: str):
    """A SQL expression of a run's wall time in seconds, on SQLite or PostgreSQL."""
    if dialect == "sqlite":
        return (func.julianday(SyncRun.finished_at) - func.julianday(SyncRun.started_at)) * 86400.0
    return extract("epoch", SyncRun.finished_at - SyncRun.started_at)


class DatabaseCollector(Collector):
    """Collects at scrape time inside the app's context."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator:
        """The metric families (see the module docstring)."""
        with self.app.app_context():
            yield from self._runs()
            yield from self._queue()

    def _runs(self) -> Iterator:
        platform = func.coalesce(Site.platform, "none")
        runs = GaugeMetricFamily(
            "hub_sync_runs", "Sync runs kept, by state and platform", labels=["state", "platform"]
        )
        for state, plat, count in db.session.execute(
            select(SyncRun.state, platform, func.count())
            .join(Site, Site.id == SyncRun.site_id)
            .group_by(SyncRun.state, platform)
        ):
            runs.add_metric([state, plat], count)
        yield runs

        written = CounterMetricFamily(
            "hub_sync_products_written", "Products created or updated by syncs", labels=["platform"]
        )
        requests = CounterMetricFamily(
            "hub_platform_requests", "Platform API requests made by syncs", labels=["platform"]
        )
        waited = CounterMetricFamily(
            "hub_platform_rate_limit_wait_seconds",
            "Seconds syncs waited on platform rate limits (429s)",
            labels=["platform"],
        )
        throttled = CounterMetricFamily(
            "hub_platform_throttled",
            "Platform answers that said slow down (429, THROTTLED)",
            labels=["platform"],
        )
        retries = CounterMetricFamily(
            "hub_sync_retries",
            "Run executions retried after a transient platform failure",
            labels=["platform"],
        )
        resumes = CounterMetricFamily(
            "hub_watchdog_resumes",
            "Runs the watchdog took over (dead worker or lost job)",
            labels=["platform"],
        )
        for plat, made, asked, wait, slowed, again, resumed in db.session.execute(
            select(
                platform,
                func.coalesce(func.sum(SyncRun.products_created + SyncRun.products_updated), 0),
                func.coalesce(func.sum(SyncRun.requests), 0),
                func.coalesce(func.sum(SyncRun.rate_limit_wait_s), 0.0),
                func.coalesce(func.sum(SyncRun.throttled), 0),
                func.coalesce(func.sum(SyncRun.attempts), 0),
                func.coalesce(func.sum(SyncRun.resumes), 0),
            )
            .join(Site, Site.id == SyncRun.site_id)
            .group_by(platform)
        ):
            written.add_metric([plat], made)
            requests.add_metric([plat], asked)
            waited.add_metric([plat], float(wait))
            throttled.add_metric([plat], slowed)
            retries.add_metric([plat], again)
            resumes.add_metric([plat], resumed)
        yield from (written, requests, waited, throttled, retries, resumes)

        stored = GaugeMetricFamily(
            "hub_products_stored", "Products in the synced catalogs (not archived)", labels=["platform"]
        )
        for plat, count in db.session.execute(
            select(platform, func.count())
            .select_from(Product)
            .join(Site, Site.id == Product.site_id)
            .where(Product.archived_at.is_(None))
            .group_by(platform)
        ):
            stored.add_metric([plat], count)
        yield stored

        durations = SummaryMetricFamily(
            "hub_sync_run_duration_seconds", "Wall time of finished runs", labels=["platform"]
        )
        seconds = duration_seconds(db.engine.dialect.name)
        for plat, count, total in db.session.execute(
            select(platform, func.count(), func.coalesce(func.sum(seconds), 0.0))
            .join(Site, Site.id == SyncRun.site_id)
            .where(
                SyncRun.state.in_(FINAL_STATES),
                SyncRun.started_at.is_not(None),
                SyncRun.finished_at.is_not(None),
            )
            .group_by(platform)
        ):
            durations.add_metric([plat], count_value=count, sum_value=float(total))
        yield durations

        oldest = db.session.scalar(
            select(func.min(SyncRun.created_at)).where(SyncRun.state == RunState.QUEUED.value)
        )
        age = GaugeMetricFamily(
            "hub_sync_oldest_queued_seconds", "Age of the oldest queued sync run (0: none)"
        )
        age.add_metric([], (utcnow() - oldest).total_seconds() if oldest else 0.0)
        yield age
        attention = GaugeMetricFamily(
            "hub_sites_needing_attention", "Sites whose credentials stopped working"
        )
        attention.add_metric(
            [],
            db.session.scalar(
                select(func.count()).select_from(Site).where(Site.connection_status == "needs_attention")
            ),
        )
        yield attention

    def _queue(self) -> Iterator:
        up = GaugeMetricFamily("hub_redis_up", "1 when Redis answered this scrape")
        url = self.app.config.get("REDIS_URL")
        if not url:
            up.add_metric([], 0)
            yield up
            return
        from hub.ops.queues import queue_overview

        try:
            queues = queue_overview()
        except Exception as exc:  # a scrape must answer even when Redis is down: that is what it reports
            log.warning("metrics: Redis unavailable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily("hub_queue_depth", "Jobs waiting in each RQ queue", labels=["queue"])
        failed = GaugeMetricFamily(
            "hub_queue_failed_jobs", "Jobs in each queue's failed registry", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "hub_queue_oldest_job_seconds", "Age of the oldest waiting job", labels=["queue"]
        )
        workers = GaugeMetricFamily("hub_workers", "RQ workers registered", labels=["queue"])
        for q in queues:
            depth.add_metric([q.name], q.depth)
            failed.add_metric([q.name], q.failed)
            oldest.add_metric([q.name], q.oldest_seconds)
            workers.add_metric([q.name], q.workers)
        yield from (depth, failed, oldest, workers)
