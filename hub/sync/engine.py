"""Executing a sync run: taxonomy, the product walk batch by batch, archive, completeness, outcome.

Each page of products is committed with the run's counters and the plugin's resume cursor in one
transaction, so a killed worker loses at most the page in flight and the run resumes from its cursor.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import Engine, select, update

from hub import credentials
from hub.connection import mark_needs_attention, plugin_context
from hub.contract import ErrorKind, FetchMode, FetchRequest, PlatformError
from hub.encryption import SecretsError
from hub.extensions import db
from hub.models import Brand, Category, Product, RunKind, RunState, Site, SyncRun
from hub.models.base import utcnow
from hub.plugins import current_host
from hub.sync import ingest
from hub.sync.memory import MALLOC, bulk_gc
from hub.sync.runs import finish, stored_product_count

log = logging.getLogger(__name__)


#: set by the worker on SIGTERM: the run stops at its next batch boundary and is requeued
SHUTDOWN = threading.Event()
UNEXPECTED = "The sync stopped on an unexpected error; it has been logged. Try again, or contact support."


class Heartbeat(threading.Thread):
    """Marks the run alive every few seconds and notices a cancel request, off the fetch's path."""

    def __init__(self, engine: Engine, run_id: int, interval: float):
        super().__init__(name=f"heartbeat-{run_id}", daemon=True)
        self.engine, self.run_id, self.interval = engine, run_id, interval
        self.cancelled = threading.Event()
        self._stop_event = threading.Event()

    def beat(self) -> None:
        """Write the heartbeat and read the cancel flag."""
        with self.engine.begin() as conn:
            conn.execute(update(SyncRun).where(SyncRun.id == self.run_id).values(heartbeat_at=utcnow()))
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


def execute(run_id: int, job_id: str | None) -> str:
    """Run (or resume) sync run ``run_id`` if ``job_id`` still owns it; returns the final state."""
    from flask import current_app

    run = db.session.get(SyncRun, run_id)
    if run is None or run.state not in (RunState.QUEUED.value, RunState.RUNNING.value):
        return "skipped"
    if job_id is not None and run.job_id != job_id:
        return "superseded"  # the watchdog re-enqueued this run under a newer job
    if run.cancel_requested:
        finish(run, RunState.CANCELLED, "Cancelled.")
        db.session.commit()
        return run.state
    now = utcnow()
    run.state, run.heartbeat_at, run.attempts = RunState.RUNNING.value, now, run.attempts + 1
    run.error_message = run.error_kind = None  # a retry starts clean; a final failure sets them again
    run.started_at = run.started_at or now
    db.session.commit()

    heartbeat = Heartbeat(db.engine, run.id, float(current_app.config.get("HUB_SYNC_HEARTBEAT_SECONDS", 5)))
    heartbeat.start()
    try:
        return _execute(run, heartbeat)
    except Exception:
        log.exception("sync run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(SyncRun, run_id)
        finish(run, RunState.FAILED, UNEXPECTED, ErrorKind.UNKNOWN.value)
        db.session.commit()
        return run.state
    finally:
        heartbeat.stop()
        db.session.remove()


def _execute(run: SyncRun, heartbeat: Heartbeat) -> str:
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
        return heartbeat.cancelled.is_set() or SHUTDOWN.is_set()

    context = plugin_context(should_stop=should_stop)
    try:
        if run.kind == RunKind.RECONCILE.value:
            _sync_taxonomy(run, site, host, creds, context)  # names drift too: refreshed on the reconcile
            _reconcile(run, site, host, creds, context)
        else:
            if run.kind == RunKind.FULL.value and run.cursor is None:
                _sync_taxonomy(run, site, host, creds, context)
            _walk_products(run, site, host, creds, context)
            # An incremental run costs ~ceil(changes/250) requests; it fetches categories and brands
            # only when a changed product refers to one the hub has never seen.
            if run.kind == RunKind.INCREMENTAL.value and _unknown_taxonomy(run, site):
                _sync_taxonomy(run, site, host, creds, context)
    except PlatformError as exc:
        db.session.rollback()
        if exc.kind.needs_merchant:
            mark_needs_attention(site, exc.kind, exc.message)
        elif _retry_later(run, exc):
            return run.state
        finish(run, RunState.FAILED, exc.message, exc.kind.value)
        db.session.commit()
        return run.state

    if heartbeat.cancelled.is_set():
        finish(run, RunState.CANCELLED, "Cancelled; products synced so far are kept.")
    elif SHUTDOWN.is_set():
        run.state, run.stage = RunState.QUEUED.value, "interrupted"
        db.session.commit()
        from hub.sync import jobs

        jobs.enqueue(run)  # another worker resumes from the committed cursor
        return run.state
    else:
        _conclude(run, site)
    db.session.commit()
    return run.state


def _retry_later(run: SyncRun, exc: PlatformError) -> bool:
    """Requeue a run that hit a transient failure (after the plugin's own retries) to resume later.

    The platform being down for a few minutes should not cost the merchant a sync: the run waits with
    growing delays (``HUB_SYNC_RETRY_SECONDS`` times 2^n; after a 429, at least until the quota resets) and resumes
    from its committed cursor, up to ``HUB_SYNC_MAX_ATTEMPTS`` executions in all.
    """
    from flask import current_app

    from hub.sync import jobs

    max_attempts = int(current_app.config.get("HUB_SYNC_MAX_ATTEMPTS", 4))
    if run.attempts >= max_attempts:
        return False
    base = float(current_app.config.get("HUB_SYNC_RETRY_SECONDS", 60))
    delay = base * 2 ** (run.attempts - 1)
    if exc.kind == ErrorKind.RATE_LIMITED and exc.retry_after:
        delay = max(delay, exc.retry_after)  # the platform said when its quota comes back
    run.state, run.stage = RunState.QUEUED.value, "waiting to retry"
    run.error_message = f"{exc.message} Retrying automatically in {round(delay)} s."
    run.error_kind = exc.kind.value
    jobs.enqueue(run, delay=delay)
    log.warning("sync run %s: %s; retry %s in %.0f s", run.id, exc.kind, run.attempts, delay)
    return True


def _unknown_taxonomy(run: SyncRun, site: Site) -> bool:
    """True when a product written by this run names a brand or category the hub does not store."""
    if run.products_created + run.products_updated == 0 or run.high_water_mark is None:
        return False
    rows = db.session.execute(
        select(Product.brand_id, Product.category_ids).where(
            Product.site_id == site.id, Product.synced_at >= run.high_water_mark
        )
    ).all()
    brands = {b for b, _ in rows if b}
    categories = {c for _, ids in rows for c in ids or ()}
    known_brands = set(db.session.scalars(select(Brand.platform_id).where(Brand.site_id == site.id)))
    known_categories = set(
        db.session.scalars(select(Category.platform_id).where(Category.site_id == site.id))
    )
    return bool(brands - known_brands or categories - known_categories)


def _sync_taxonomy(run, site, host, creds, context) -> None:
    run.stage = "categories"
    db.session.commit()
    categories = list(host.call(site.platform, "fetch_categories", credentials=creds, context=context) or [])
    brands = list(host.call(site.platform, "fetch_brands", credentials=creds, context=context) or [])
    ingest.replace_taxonomy(db.session, site.id, categories, brands)
    db.session.commit()


def _walk_products(run: SyncRun, site: Site, host, creds, context) -> None:
    run.stage = "products"
    if run.high_water_mark is None:
        run.high_water_mark = utcnow()
    db.session.commit()
    request = FetchRequest(
        mode=FetchMode.INCREMENTAL if run.kind == RunKind.INCREMENTAL.value else FetchMode.FULL,
        modified_since=run.modified_since,
        cursor=run.cursor,
    )
    pages = host.call(site.platform, "fetch_products", credentials=creds, request=request, context=context)
    MALLOC.limit_arenas()  # before the plugin starts its fetch threads
    with bulk_gc():
        _ingest_pages(run, site, pages, context)


def _ingest_pages(run: SyncRun, site: Site, pages, context) -> None:
    """Commit each page with the run's counters and cursor; always close the plugin's iterator."""
    try:
        for page in pages:
            now = utcnow()
            counts = ingest.ingest_products(db.session, site.id, run.id, page.products, now)
            failed = ingest.record_errors(db.session, site.id, run.id, page.errors)
            run.products_seen += counts.created + counts.updated + counts.unchanged
            run.products_created += counts.created
            run.products_updated += counts.updated
            run.products_unchanged += counts.unchanged
            run.products_failed += failed
            run.requests += page.requests
            run.rate_limit_wait_s += page.rate_limit_wait
            if page.total is not None:
                run.expected_total = page.total
            run.cursor = page.cursor
            run.heartbeat_at = now
            db.session.commit()  # products, counters and cursor together
            MALLOC.trim()
            if context.should_stop():
                break
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


def _archive_unseen(run: SyncRun, site: Site) -> int:
    """After a complete full walk, products this run never saw are gone from the store."""
    result = db.session.execute(
        update(Product)
        .where(
            Product.site_id == site.id,
            Product.archived_at.is_(None),
            (Product.last_seen_run_id != run.id) | Product.last_seen_run_id.is_(None),
        )
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _reconcile(run: SyncRun, site: Site, host, creds, context) -> None:
    """Archive stored products whose ids the platform no longer lists (only after a complete listing)."""
    run.stage = "listing ids"
    db.session.commit()
    present: set[str] = set()
    for product_id in host.call(site.platform, "list_product_ids", credentials=creds, context=context):
        present.add(str(product_id))
        if context.should_stop():
            return
    run.expected_total = len(present)
    stored = db.session.execute(
        select(Product.id, Product.platform_id).where(
            Product.site_id == site.id, Product.archived_at.is_(None)
        )
    ).all()
    gone = [pk for pk, platform_id in stored if platform_id not in present]
    now: datetime = utcnow()
    for start in range(0, len(gone), ingest.CHUNK):
        db.session.execute(
            update(Product)
            .where(Product.id.in_(gone[start : start + ingest.CHUNK]))
            .values(archived_at=now)
            .execution_options(synchronize_session=False)
        )
    run.products_archived = len(gone)
    run.products_seen = len(present)


def _conclude(run: SyncRun, site: Site) -> None:
    if run.kind == RunKind.FULL.value:
        run.products_archived = _archive_unseen(run, site)
    run.stored_total = stored_product_count(site.id)
    problems = []
    if run.products_failed:
        problems.append(f"{run.products_failed} product(s) could not be read; see the errors below.")
    counted = run.kind != RunKind.INCREMENTAL.value and run.expected_total is not None
    if counted and run.stored_total != run.expected_total:
        problems.append(
            f"The hub stores {run.stored_total} products but the store reports {run.expected_total}."
        )
    if problems:
        finish(run, RunState.PARTIALLY_FAILED, " ".join(problems))
    else:
        finish(run, RunState.SUCCEEDED)
