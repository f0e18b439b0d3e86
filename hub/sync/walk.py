"""One execution of a sync run: what every stage needs (the run, its site and plugin, credentials, the
fence), the product pages of a hook (in the fetch process or here), and the run's stage names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from hub.contract import PluginContext, ProductPage
from hub.extensions import db
from hub.models import Site, SyncRun
from hub.models.base import utcnow
from hub.plugins import PluginHost
from hub.sync import fetch_process, search_index
from hub.sync.memory import MALLOC
from hub.sync.timeline import Timeline

if TYPE_CHECKING:
    from hub.sync.engine import Usage
    from hub.sync.stages import Stage

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
        self._run_id = self.run.id
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
        # On the table, not the model: the ORM's bulk UPDATE also evaluated its criteria against the session's
        # objects (~1-2 ms a page). The run's id is kept: reading it from the run, expired by the last commit,
        # reloaded the row here rather than where the page's counters need it anyway.
        runs = SyncRun.__table__
        mine = (runs.c.id == self._run_id) & (runs.c.epoch == self.epoch)
        if db.session.execute(update(runs).where(mine).values(heartbeat_at=utcnow())).rowcount != 1:
            raise StaleDataError(f"sync run {self._run_id} is owned by another execution now")

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

        fold = search_index.folds_text(db.engine.dialect.name)
        return fetch_process.forked_pages(produce, self.context, fold=fold)

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
