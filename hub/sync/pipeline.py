"""Pages pulled from a plugin and prepared on a helper thread, one page ahead of the writer.

Storing a page has two halves: checking, serializing and hashing its products (Python, no database) and
the database's own work (inserts, index tokenizing, the commit), during which the database driver
releases the GIL. Done in turn on one thread, neither half overlaps the other; here the helper thread
prepares page k + 1 (and drives the plugin's iterator) while the writer stores page k.

The helper thread owns the plugin's iterator: it alone advances and closes it (a generator cannot be
closed from another thread while it runs). What the iterator raises reaches the writer unchanged, in
order, after the pages before it.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
P = TypeVar("P")

_END = object()
#: how long a closed pipeline waits for the plugin's current page before leaving the thread to finish alone
JOIN_SECONDS = 30.0


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Prepared(Generic[T, P]):
    """Iterate ``(page, prepare(page))`` over ``pages``, preparing up to ``depth`` pages ahead on a thread.

    Use as a context manager (or call :meth:`close`): leaving early tells the thread to stop after the page
    it is reading, and the plugin's iterator is closed on that thread. ``scope`` is entered around the
    thread's work (the sync passes the app context the plugin's iterator ran in before).
    """

    def __init__(
        self,
        pages: Iterable[T],
        prepare: Callable[[T], P],
        *,
        depth: int = 1,
        scope: Callable[[], AbstractContextManager[Any]] = nullcontext,
    ) -> None:
        self._pages = pages
        self._scope = scope
        self._prepare = prepare
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-prepare", daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        """Hand ``item`` to the writer; False once the writer has left."""
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        with self._scope():
            self._pull()

    def _pull(self) -> None:
        try:
            for page in self._pages:
                if self._closed.is_set() or not self._put((page, self._prepare(page))):
                    break
        except BaseException as error:  # re-raised on the writer's thread
            self._put(_Raised(error))
        finally:
            close = getattr(self._pages, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # the writer already has what it needs; the plugin's cleanup failed
                    log.exception("closing the plugin's page iterator failed")
            self._put(_END)

    def __iter__(self) -> Iterator[tuple[T, P]]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item

    def close(self) -> None:
        """Stop preparing, let the thread close the plugin's iterator, and wait for it (bounded)."""
        self._closed.set()
        self._thread.join(JOIN_SECONDS)
        if self._thread.is_alive():
            log.warning("the plugin's page iterator did not stop within %.0f s; leaving it", JOIN_SECONDS)

    def __enter__(self) -> Prepared[T, P]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
