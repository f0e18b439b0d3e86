"""``hub worker``: an RQ worker running jobs in the app context, with the watchdog and a graceful stop.

SIGTERM (or Ctrl+C) lets the running sync finish its current batch, commit its cursor and requeue
itself, then the worker exits. Several workers may share one Redis and one database.
"""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import SimpleWorker

from hub import alerts
from hub.sync import engine, jobs, watchdog
from hub.webhooks import lifecycle

log = logging.getLogger(__name__)


class HubWorker(SimpleWorker):
    """Runs jobs in this process (so the app context and the stop flag reach them)."""

    def request_stop(self, signum, frame):
        """First signal: ask the running sync to stop at its next batch boundary."""
        engine.SHUTDOWN.set()
        return super().request_stop(signum, frame)


def _watchdog_loop(app, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        with app.app_context():
            try:
                watchdog.tick()
            except Exception:
                log.exception("watchdog pass failed")
            try:
                lifecycle.check_due()  # re-creates hooks the platform deactivated
            except Exception:
                log.exception("webhook check failed")
            try:
                alerts.check_and_notify()  # idempotent: one mail per condition until it clears
            except Exception:
                log.exception("alerts pass failed")


@click.command("worker")
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--name", default=None, help="Worker name (default: RQ's).")
@click.option("--quiet", is_flag=True, help="Log warnings and errors only (no line per job).")
@with_appcontext
def worker_command(queues: tuple[str, ...], burst: bool, name: str | None, quiet: bool = False) -> None:
    """Process sync jobs (default queue: HUB_QUEUE) with RQ's scheduler and the hub's watchdog."""
    app = current_app._get_current_object()
    level = "WARNING" if quiet else "INFO"
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("hub").setLevel(level)
    connection = jobs.redis_connection()
    names = list(queues) or [app.config["HUB_QUEUE"]]
    from rq import Queue

    worker = HubWorker([Queue(n, connection=connection) for n in names], connection=connection, name=name)
    stop = threading.Event()
    interval = float(app.config["HUB_WATCHDOG_SECONDS"])
    with app.app_context():
        watchdog.tick()  # at start: resume what a dead worker left
    thread = threading.Thread(target=_watchdog_loop, args=(app, stop, interval), daemon=True, name="watchdog")
    thread.start()
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=level)
    finally:
        stop.set()
