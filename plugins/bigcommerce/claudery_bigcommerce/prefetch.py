"""Fetching numbered pages on worker threads, ahead of a consumer that takes them in order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from .ratelimit import Stopped

T = TypeVar("T")


class OrderedPrefetcher(Generic[T]):
    """Run ``fetch(n)`` for ``n`` in ``first..last`` on ``workers`` threads, in order of ``n``.

    Workers stay at most ``ahead`` pages beyond the last page taken, so memory is bounded whatever
    the catalog size. A failure stops new work; the consumer gets it when it reaches that page.
    Use as a context manager: leaving it stops the workers and joins them (no leaked threads).
    """

    def __init__(self, fetch: Callable[[int], T], first: int, last: int, *, workers: int, ahead: int):
        self._fetch = fetch
        self._next = first
        self._last = last
        self._taken = first - 1
        self._ahead = max(1, ahead)
        self._results: dict[int, tuple[bool, object]] = {}
        self._cond = threading.Condition()
        self._closed = False
        count = max(1, min(workers, last - first + 1))
        self._threads = [
            threading.Thread(target=self._work, name=f"bigcommerce-fetch-{i}", daemon=True)
            for i in range(count)
        ]

    def __enter__(self) -> OrderedPrefetcher[T]:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _work(self) -> None:
        while True:
            with self._cond:
                while (
                    not self._closed and self._next <= self._last and self._next > self._taken + self._ahead
                ):
                    self._cond.wait()
                if self._closed or self._next > self._last:
                    return
                n = self._next
                self._next += 1
            try:
                outcome: tuple[bool, object] = (True, self._fetch(n))
            except BaseException as exc:  # handed to the consumer, who re-raises it in its thread
                outcome = (False, exc)
            with self._cond:
                self._results[n] = outcome
                if not outcome[0]:
                    self._closed = True  # e.g. 401: no new requests at all
                self._cond.notify_all()

    def take(self, n: int, should_stop: Callable[[], bool] = lambda: False) -> T:
        """Wait for page ``n`` (taken in increasing order) and return it, or raise its error; raise Stopped
        once ``should_stop()``, even for a page already fetched (the workers may be pages ahead: handing
        those over after a stop made how many pages a stop let through depend on the machine's speed)."""
        with self._cond:
            while True:
                if should_stop():
                    raise Stopped
                if n in self._results:
                    break
                if self._closed and n >= self._next:
                    raise RuntimeError(f"page {n} will not be fetched: the prefetcher is closed")
                self._cond.wait(0.05)
            ok, value = self._results.pop(n)
            self._taken = n
            self._cond.notify_all()
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value  # type: ignore[return-value]

    def close(self, timeout: float = 60.0) -> None:
        """Stop handing out pages and wait for the workers to finish their current request."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)
