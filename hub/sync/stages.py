"""The stages of a sync run: taxonomy, the product walk, verifying a walk, the id reconcile; and the verdict.

Each stage records its name on the run as it starts (committed), so a run that is requeued (shutdown,
takeover, retry) resumes at that stage; the product walk also resumes at its committed cursor. A stage
that meets a stop returns early and changes nothing it cannot finish: taxonomy and archives are applied
only after a complete listing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from hub.contract import Brand as BrandRecord
from hub.contract import Category as CategoryRecord
from hub.contract import FetchMode, FetchRequest, PluginContext, ProductPage, RecordError
from hub.extensions import db
from hub.models import Brand, Category, Product, RunKind, RunState, Site, SyncError, SyncRun
from hub.models.base import utcnow
from hub.plugins import PluginHost
from hub.sync import fetch_process, ingest
from hub.sync.memory import MALLOC, bulk_gc, page_done
from hub.sync.runs import finish, stored_product_count
from hub.sync.timeline import Timeline
from hub.sync.validate import clean_taxonomy

if TYPE_CHECKING:
    from hub.sync.engine import Usage

log = logging.getLogger(__name__)

#: stage names as stored on the run (and shown, in the merchant's words, by the sync page)
TAXONOMY, PRODUCTS, VERIFY, RECONCILE = "categories", "products", "checking deletions", "listing ids"
ORDER = (TAXONOMY, PRODUCTS, VERIFY, RECONCILE)


@dataclass
class Walk:
    """One execution of a run: what every stage needs."""

    run: SyncRun
    site: Site
    host: PluginHost
    credentials: dict[str, Any]
    context: PluginContext
    usage: Usage
    #: the epoch this execution claimed; every transaction that writes for the run is fenced by it
    epoch: int = 0
    #: fetch and prepare product pages in a child process (``HUB_SYNC_FETCH_PROCESS``)
    fetch_process: bool = False
    _resuming: bool = field(default=True)
    #: where the execution's time goes (logged when it ends)
    timeline: Timeline = field(default_factory=Timeline)
    #: a product fetch started ahead of its stage: (hook, arguments, credentials it got, its pages)
    _early: tuple[str, dict[str, Any], dict[str, Any], fetch_process.ForkedPages] | None = None

    def __post_init__(self) -> None:
        # Every saved credential (from this process or the fetch process) also reaches the run's later
        # hooks, and tells an early fetch that it started with the old ones.
        self._persist = self.context.save_credentials
        self.context = replace(self.context, save_credentials=self._saved)

    def fence(self) -> None:
        """Mark the run row in the current transaction, only while this execution still owns the run.

        Raises StaleDataError (and the transaction is rolled back by the caller) after a takeover. It runs
        first in each transaction that writes: on SQLite it also takes the write lock before any read, so a
        page's transaction never has to upgrade a stale read snapshot.
        """
        mine = (SyncRun.id == self.run.id) & (SyncRun.epoch == self.epoch)
        if db.session.execute(update(SyncRun).where(mine).values(heartbeat_at=utcnow())).rowcount != 1:
            raise StaleDataError(f"sync run {self.run.id} is owned by another execution now")

    def call(self, hook: str, **kwargs: Any) -> Any:
        """Call a platform hook of the site's plugin with the run's credentials and context."""
        return self.host.call(
            self.site.platform, hook, credentials=self.credentials, context=self.context, **kwargs
        )

    def pages(self, hook: str, **kwargs: Any) -> Iterable[ProductPage]:
        """The pages of a product hook (``fetch_products``, ``fetch_products_by_ids``): fetched, parsed and
        prepared in a child process when the walk has one (:mod:`hub.sync.fetch_process`), else here.

        A fetch :meth:`start_early` began with the same arguments and credentials is taken over."""
        MALLOC.limit_arenas()  # before a plugin starts fetch threads, here or in a child: hub.sync.memory
        early, self._early = self._early, None
        if early is not None:
            if early[:3] == (hook, kwargs, self.credentials):
                return early[3]
            early[3].close()  # started with what no longer holds (e.g. credentials refreshed meanwhile)
        if not self.fetch_process:
            return self.call(hook, **kwargs)
        host, platform, credentials = self.host, self.site.platform, self.credentials  # read before the fork

        def produce(context: PluginContext) -> Iterable[ProductPage]:
            return host.call(platform, hook, credentials=credentials, context=context, **kwargs)

        return fetch_process.forked_pages(produce, self.context)

    def start_early(self, hook: str, **kwargs: Any) -> None:
        """Start the fetch process of a product hook now, so that the platform's latency and the first
        pages' parsing overlap the stage running before the one that stores them (whose :meth:`pages`
        call takes it over). Only with a fetch process: in this process nothing could run meanwhile."""
        if self.fetch_process and self._early is None:
            pages = self.pages(hook, **kwargs)
            self._early = (hook, kwargs, dict(self.credentials), pages)  # type: ignore[assignment]

    def close_early(self) -> None:
        """Stop a fetch started early that no stage took over (the stage before it failed or stopped)."""
        early, self._early = self._early, None
        if early is not None:
            early[3].close()

    def _saved(self, new: Mapping[str, Any]) -> None:
        """A plugin's new credentials, saved (from this process or the fetch process): later hooks of the
        run get them too."""
        self._persist(new)
        self.credentials = dict(new)

    def resumes_at(self, stage: Stage) -> bool:
        """False for stages a resumed run already finished (those before its stored stage)."""
        if self._resuming and self.run.stage in ORDER and stage.name != self.run.stage:
            return ORDER.index(stage.name) > ORDER.index(self.run.stage)
        self._resuming = False
        return True

    def advance(self) -> None:
        """A stage finished."""
        self._resuming = False

    def begin(self, stage: str) -> None:
        """Record the stage on the run (committed: a resume starts here)."""
        self.fence()
        if self.run.stage != stage:
            self.run.stage = stage
        self.usage.drain(self.run)
        db.session.commit()

    @property
    def stopping(self) -> bool:
        """True when the host asked to stop."""
        return self.context.should_stop()


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
        listed: dict[str, list] = {"fetch_categories": [], "fetch_brands": []}
        errors: list[RecordError] = []
        complete: dict[str, bool] = {}
        for hook, kind in (("fetch_categories", CategoryRecord), ("fetch_brands", BrandRecord)):
            if not walk.host.supports(walk.site.platform, hook):
                continue
            skipped = len(errors)
            for item in walk.call(hook) or ():
                cleaned = clean_taxonomy(item)
                if isinstance(cleaned, kind):
                    listed[hook].append(cleaned)
                else:
                    errors.append(
                        cleaned
                        if isinstance(cleaned, RecordError)
                        else RecordError(None, f"{hook} sent a {type(cleaned).__name__}")
                    )
                if walk.stopping:
                    return
            if walk.stopping:
                return  # an iterator that ended on a stop is not a complete listing
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
    for page in pages:
        page.cursor = None
        page.total = None  # a by-id fetch's count is not the catalog's
        yield page


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
