"""The stages of a sync run: taxonomy, the product walk, verifying a walk, the id reconcile; and the verdict.

Each stage records its name on the run as it starts (committed), so a run that is requeued (shutdown,
takeover, retry) resumes at that stage; the product walk also resumes at its committed cursor. A stage
that meets a stop returns early and changes nothing it cannot finish: taxonomy and archives are applied
only after a complete listing.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select, update

from hub.contract import Brand as BrandRecord
from hub.contract import Category as CategoryRecord
from hub.contract import FetchMode, FetchRequest, RecordError
from hub.extensions import db
from hub.models import Brand, Category, Product, RunKind, RunState, Site, SyncError, SyncRun
from hub.models.base import utcnow
from hub.sync import ingest
from hub.sync.memory import bulk_gc, page_done
from hub.sync.runs import finish, stored_product_count
from hub.sync.validate import clean_taxonomy
from hub.sync.walk import PRODUCTS, RECONCILE, TAXONOMY, VERIFY, Walk

log = logging.getLogger(__name__)


class Stage:
    """A step of a run."""

    name: str = ""

    def start_early(self, walk: Walk) -> None:
        """Begin, while the stage before this one runs, work that needs nothing it writes (a no-op here)."""

    def run(self, walk: Walk) -> None:  # pragma: no cover - abstract
        """Do the stage's work, committing as it goes."""
        raise NotImplementedError


@dataclass
class Taxonomy(Stage):
    """Categories and brands: upsert what was listed; delete stored ones only after a complete listing."""

    only_if_unknown: bool = False
    name: str = TAXONOMY

    def run(self, walk: Walk) -> None:
        if self.only_if_unknown and not _unknown_taxonomy(walk.run, walk.site):
            return
        walk.begin(TAXONOMY)
        kinds = {"fetch_categories": CategoryRecord, "fetch_brands": BrandRecord}
        received = _listings(walk, [h for h in kinds if walk.host.supports(walk.site.platform, h)])
        if received is None:
            return  # a listing that ended on a stop is not a complete listing
        listed: dict[str, list] = {hook: [] for hook in kinds}
        errors: list[RecordError] = []
        complete: dict[str, bool] = {}
        for hook, items in received.items():
            skipped = len(errors)
            for item in items:
                cleaned = clean_taxonomy(item)
                if isinstance(cleaned, kinds[hook]):
                    listed[hook].append(cleaned)
                else:
                    errors.append(
                        cleaned
                        if isinstance(cleaned, RecordError)
                        else RecordError(None, f"{hook} sent a {type(cleaned).__name__}")
                    )
            complete[hook] = len(errors) == skipped
        walk.fence()
        ingest.replace_taxonomy(
            db.session,
            walk.site.id,
            listed["fetch_categories"],
            listed["fetch_brands"],
            delete_categories=complete.get("fetch_categories", False),
            delete_brands=complete.get("fetch_brands", False),
        )
        ingest.record_errors(db.session, walk.site.id, walk.run.id, errors, mark_seen=False)
        db.session.commit()


def _listings(walk: Walk, hooks: list[str]) -> dict[str, list] | None:
    """The items of each taxonomy hook, listed at the same time (a thread each: the listings are
    independent round trips); None when a stop came before every listing ended.

    A plugin's exception is raised here, the first hook's first, once every listing has ended.
    (``context.save_credentials`` may be called from any thread: ``hub.credentials.persister`` writes in
    its own transaction.)
    """

    def listing(hook: str) -> list | None:
        items = []
        for item in walk.call(hook) or ():
            items.append(item)
            if walk.stopping:
                return None
        return None if walk.stopping else items

    with ThreadPoolExecutor(max_workers=max(1, len(hooks)), thread_name_prefix="hub-taxonomy") as pool:
        futures = [pool.submit(listing, hook) for hook in hooks]
        results = [future.result() for future in futures]
    if any(items is None for items in results):
        return None
    return dict(zip(hooks, results, strict=True))


@dataclass
class Products(Stage):
    """The product walk, page by page from the run's cursor; a complete full walk archives the unseen."""

    full: bool = False
    name: str = PRODUCTS

    def start_early(self, walk: Walk) -> None:
        """Start fetching (in the fetch process) while the taxonomy is listed: the pages wait in the pipe
        until :meth:`run` stores them, after the taxonomy their search rows name."""
        walk.start_early("fetch_products", request=self._request(walk.run))

    def _request(self, run: SyncRun) -> FetchRequest:
        """The run's fetch request; the run's high-water mark is set first if it has none (whichever of
        :meth:`start_early` and :meth:`run` comes first sets it)."""
        if run.high_water_mark is None:  # before the first request: what changes from now on is not missed
            run.high_water_mark = utcnow()
        incremental = not self.full and run.kind == RunKind.INCREMENTAL.value
        return FetchRequest(
            mode=FetchMode.INCREMENTAL if incremental else FetchMode.FULL,
            modified_since=run.modified_since if incremental else None,
            cursor=run.cursor,
        )

    def run(self, walk: Walk) -> None:
        run = walk.run
        request = self._request(run)
        walk.begin(PRODUCTS)
        pages = walk.pages("fetch_products", request=request)
        with bulk_gc():
            finished = _ingest_pages(walk, pages)
        if finished and self.full:
            walk.fence()
            run.products_archived += _archive_unseen(run, walk.site)
            db.session.commit()


def _ingest_pages(walk: Walk, pages) -> bool:
    """Commit each page with the run's counters and cursor; True when the plugin's iterator ran out."""
    run, site = walk.run, walk.site
    clock = time.perf_counter
    try:
        asked = clock()
        for page in pages:
            got = clock()
            now = utcnow()
            walk.fence()  # first in the page's transaction: nothing is written for a run this worker lost
            counts, errors = ingest.ingest_page(
                db.session, site.id, run.id, page.products, now, fence=walk.fence
            )
            failed = ingest.record_errors(db.session, site.id, run.id, [*page.errors, *errors])
            run.products_seen += counts.created + counts.updated + counts.unchanged
            run.products_created += counts.created
            run.products_updated += counts.updated
            run.products_unchanged += counts.unchanged
            run.products_failed += failed
            run.requests += page.requests
            run.throttled += page.throttled
            run.rate_limit_wait_s += page.rate_limit_wait
            if page.total is not None:
                run.expected_total = page.total
            run.cursor = page.cursor
            walk.usage.drain(run)
            db.session.commit()  # products, counters and cursor together, or nothing (fenced by epoch)
            del page  # not kept (a page's records are megabytes) while the next one is fetched
            page_done()
            stored = clock()
            walk.timeline.page(waited=got - asked, stored=stored - got)
            asked = stored
            if walk.stopping:
                return False
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
    return not walk.stopping


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


def _list_ids(walk: Walk) -> set[str] | None:
    """Every product id the store lists now, or None when the listing did not run to its end."""
    present: set[str] = set()
    for product_id in walk.call("list_product_ids"):
        present.add(str(product_id))
        if walk.stopping:
            return None
    return None if walk.stopping else present


def _archive_missing(site: Site, present: set[str]) -> int:
    stored = db.session.execute(
        select(Product.id, Product.platform_id).where(
            Product.site_id == site.id, Product.archived_at.is_(None)
        )
    ).all()
    gone = [pk for pk, platform_id in stored if platform_id not in present]
    now = utcnow()
    for start in range(0, len(gone), ingest.CHUNK):
        db.session.execute(
            update(Product)
            .where(Product.id.in_(gone[start : start + ingest.CHUNK]))
            .values(archived_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(gone)


@dataclass
class Verify(Stage):
    """Resolve a walk's count difference inside the run (and repair inexact paging) before judging it.

    A store that deletes products during a walk leaves the hub holding products the walk saw but the store
    no longer has; a platform without exact paging may also skip products. A complete id listing settles
    both: stored products it does not list are archived, listed products the walk missed are fetched by
    id (when the plugin can) and the store's total becomes the listing's size.
    """

    exact: bool = True
    name: str = VERIFY

    def run(self, walk: Walk) -> None:
        run = walk.run
        counted = run.expected_total is not None
        if self.exact and counted and stored_product_count(walk.site.id) == run.expected_total:
            return  # nothing to settle
        walk.begin(VERIFY)
        present = _list_ids(walk)
        if present is None:
            return
        walk.fence()
        run.products_archived += _archive_missing(walk.site, present)
        stored = set(
            db.session.scalars(
                select(Product.platform_id).where(
                    Product.site_id == walk.site.id, Product.archived_at.is_(None)
                )
            )
        )
        failed = set(
            db.session.scalars(select(SyncError.product_platform_id).where(SyncError.run_id == run.id))
        )  # read and refused in this run: fetching them again would only refuse them again
        missed = sorted(present - stored - failed)
        run.expected_total = len(present)
        db.session.commit()
        if not missed:
            return
        if not walk.host.supports(walk.site.platform, "fetch_products_by_ids"):
            run.notice = (
                f"{len(missed)} product(s) changed while the sync read the store and were not read; "
                "the next sync picks them up."
            )
            return
        for start in range(0, len(missed), 250):
            pages = walk.pages("fetch_products_by_ids", ids=missed[start : start + 250])
            if not _ingest_pages(walk, _without_cursor(pages)):
                return


def _without_cursor(pages):
    try:
        for page in pages:
            page.cursor = None
            page.total = None  # a by-id fetch's count is not the catalog's
            yield page
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()  # closing this wrapper stops the fetch behind it


@dataclass
class Reconcile(Stage):
    """Archive stored products whose ids the platform no longer lists (only after a complete listing)."""

    name: str = RECONCILE

    def run(self, walk: Walk) -> None:
        walk.begin(RECONCILE)
        present = _list_ids(walk)
        if present is None:
            return
        walk.fence()
        walk.run.expected_total = len(present)
        walk.run.products_archived = _archive_missing(walk.site, present)
        walk.run.products_seen = len(present)
        db.session.commit()


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


def conclude(walk: Walk) -> None:
    """Judge a run that ran every stage: succeeded, or partially failed with the numbers."""
    run = walk.run
    walk.fence()
    run.stored_total = stored_product_count(walk.site.id)
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
