"""The worker side of live updates: coalesce a site's pending changes, fetch them by id, store what is newer.

One flush job per site at a time (:func:`hub.webhooks.pending.schedule_flush`). It gathers changes until
the platform's batch is full (``HUB_WEBHOOK_BATCH``), the deliveries pause (``HUB_WEBHOOK_QUIET_SECONDS``)
or the oldest change has waited ``HUB_WEBHOOK_MAX_WAIT_SECONDS`` (longer, up to
``HUB_WEBHOOK_BURST_WAIT_SECONDS``, while a burst fills the batch fast enough); a bulk edit of 5,000
products thus costs about 5,000/250 fetches, and a single edit is visible within a second.

Ordering: a change announced at an instant older than the stored product's modification time is skipped,
and a fetched version older than the stored one is not written (a slow fetch must not undo a newer one).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app, has_app_context
from sqlalchemy import select, update

from hub import credentials
from hub.connection import plugin_context
from hub.contract import PlatformError
from hub.contract import Product as ProductRecord
from hub.extensions import db
from hub.models import Product, Site, WebhookBatch, WebhookEndpoint
from hub.models.base import utcnow
from hub.plugins import current_host
from hub.sync import ingest, runs
from hub.webhooks import pending

log = logging.getLogger(__name__)


@dataclass
class Change:
    """What the pending deliveries say about one product, merged."""

    deleted: bool = False
    at: float | None = None  #: the newest platform timestamp announced
    received: float = 0.0  #: when the first of its deliveries was accepted (for latency)
    items: list[dict] = field(default_factory=list)

    def merge(self, item: dict) -> None:
        """Fold one more delivery in: the newest timestamp wins, a deletion is kept."""
        self.items.append(item)
        self.deleted = self.deleted or item["kind"] == "deleted"
        if item.get("at") is not None and (self.at is None or item["at"] > self.at):
            self.at = item["at"]
        self.received = min(self.received or item["t"], item["t"])


def flush(site_id: int) -> str:
    """The RQ job: apply the site's pending changes until none are left."""
    if has_app_context():
        return _flush(site_id)
    from hub import create_app

    with create_app().app_context():
        return _flush(site_id)


def _flush(site_id: int) -> str:
    cfg = current_app.config
    batch = int(cfg["HUB_WEBHOOK_BATCH"])
    quiet = float(cfg["HUB_WEBHOOK_QUIET_SECONDS"])
    changes: dict[str, Change] = {}
    oldest: float | None = None  # when the oldest change not yet applied was drained
    arrived = 0  # deliveries drained since then (the burst's rate)
    applied = 0
    while True:
        # still running: keep other deliveries from queueing a second job for the site
        pending.redis().expire(pending.flag_key(site_id), int(cfg["HUB_WEBHOOK_FLAG_SECONDS"]))
        got = pending.drain(site_id)
        for item in got:
            changes.setdefault(str(item["id"]), Change()).merge(item)
        if got and oldest is None:
            oldest, arrived = time.monotonic(), 0
        arrived += len(got)
        while len(changes) >= batch:
            ids = list(changes)[:batch]
            applied += apply(site_id, {i: changes.pop(i) for i in ids})
        if not changes:
            oldest = None
            if not got and not pending.release(site_id):
                return f"applied {applied} change(s)"
            if not got:
                continue
        elif not got or _waited_enough(cfg, len(changes), time.monotonic() - (oldest or 0), arrived, batch):
            applied += apply(site_id, changes)
            changes, oldest = {}, None
            continue
        time.sleep(quiet)


def _waited_enough(cfg, waiting: int, age: float, arrived: int, batch: int) -> bool:
    """Apply a partial batch now? After ``HUB_WEBHOOK_MAX_WAIT_SECONDS``, unless deliveries come so fast
    that the batch will be full within ``HUB_WEBHOOK_BURST_WAIT_SECONDS`` of the oldest change (a bulk
    edit: one fetch for 250 products rather than several small ones); never later than that."""
    if age < float(cfg["HUB_WEBHOOK_MAX_WAIT_SECONDS"]):
        return False
    burst_wait = float(cfg["HUB_WEBHOOK_BURST_WAIT_SECONDS"])
    if age >= burst_wait:
        return True
    rate = arrived / age if age > 0 else 0.0
    return rate <= 0 or age + (batch - waiting) / rate > burst_wait


def apply(site_id: int, changes: dict[str, Change]) -> int:
    """Fetch the changed products by id and store them; archive deleted ones. Returns the products handled.

    A transient platform failure puts the changes back and retries the flush later; a failure the
    merchant must fix drops them (the site is flagged by the next sync; that sync catches up).
    """
    started = time.monotonic()
    site = db.session.get(Site, site_id)
    if site is None:
        return 0
    host = current_host()
    stored = dict(
        db.session.execute(
            select(Product.platform_id, Product.date_modified).where(
                Product.site_id == site_id, Product.platform_id.in_(list(changes))
            )
        ).all()
    )
    record = WebhookBatch(site_id=site_id, events=len(changes), updated=0, unchanged=0, archived=0,
                          stale=0, errors=0, requests=0, seconds=0.0)  # fmt: skip
    wanted = []
    # Only clearly older events are skipped: platforms stamp in whole seconds, and a store may date a
    # burst of edits slightly ahead; skipping too little costs a fetch, skipping too much loses an edit.
    margin = float(current_app.config["HUB_WEBHOOK_ORDER_MARGIN_SECONDS"])
    for product_id, change in changes.items():
        known = stored.get(product_id)
        if (
            not change.deleted
            and change.at is not None
            and known is not None
            and _ts(known) > change.at + margin
        ):
            record.stale += 1  # announced before the version the hub already has: nothing to fetch
        else:
            wanted.append(product_id)
    products: list[ProductRecord] = []
    usage = {"requests": 0}

    def record_usage(**counts: float) -> None:
        usage["requests"] += int(counts.get("requests", 0))

    if wanted:
        context = plugin_context(host, site.platform, record_usage=record_usage)
        try:
            for page in host.call(
                site.platform,
                "fetch_products_by_ids",
                credentials=credentials.stored(site),
                ids=wanted,
                context=context,
            ):
                usage["requests"] += page.requests
                products.extend(page.products)
                record.errors += len(page.errors)
        except PlatformError as exc:
            log.warning("fetching %d changed products of site %s failed: %s", len(wanted), site_id, exc.kind)
            if exc.kind.transient:
                pending.give_back(site_id, [item for c in changes.values() for item in c.items])
                pending.schedule_flush(site_id, delay=exc.retry_after or 30.0)
            db.session.rollback()
            return 0
    fresh = []
    for product in products:
        known = stored.get(product.id)
        if known is not None and product.date_modified is not None and product.date_modified < known:
            record.stale += 1  # a slower fetch of an older version: the newer one stays
        else:
            fresh.append(product)
    now = utcnow()
    active = runs.active_run(site_id)
    # A running full walk archives what it did not mark seen: mark these as seen by it (they exist now).
    counts, errors = ingest.ingest_page(db.session, site_id, active.id if active else 0, fresh, now)
    record.updated = counts.created + counts.updated
    record.unchanged = counts.unchanged
    record.errors += len(errors)
    returned = {p.id for p in products}
    gone = [pid for pid, change in changes.items() if change.deleted and pid not in returned]
    if gone:
        record.archived = (
            db.session.execute(
                update(Product)
                .where(
                    Product.site_id == site_id, Product.platform_id.in_(gone), Product.archived_at.is_(None)
                )
                .values(archived_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
    record.requests = usage["requests"]
    record.seconds = time.monotonic() - started
    db.session.add(record)
    last = pending.last_delivery(site_id)
    if last is not None:
        db.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.site_id == site_id)
            .values(last_delivery_at=datetime.fromtimestamp(last, UTC))
        )
    db.session.commit()
    return len(changes)


def _ts(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
