"""Where a run's wall time went: each stage, and the product walk's pages (waiting for them, storing them).

One line per run in the worker's log (``sync run 7 took 4.62 s: categories 0.21 s, products 4.36 s (40
pages, the first stored at 0.43 s; waiting for pages 1.20 s, storing 3.10 s), ...``), so an operator can
tell a run that waited on the platform from one that waited on the database, and the sync benchmark
prints it beside its own figures (``bench/bench_sync.py``). Monotonic clock, from the execution's start.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Pages:
    """The pages one stage stored."""

    count: int = 0
    first_at: float = 0.0  #: seconds from the run's start until the first was committed
    waiting: float = 0.0  #: waiting for the next page (the platform, or the fetch process preparing it)
    storing: float = 0.0  #: writing them (ingest, errors, counters, commit)


@dataclass
class Timeline:
    """The timings of one execution of a run (a resumed run starts a new one)."""

    started: float = field(default_factory=time.monotonic)
    #: (stage name, seconds from the start, seconds it took), in the order they ran
    stages: list[tuple[str, float, float]] = field(default_factory=list)
    pages: dict[str, Pages] = field(default_factory=dict)
    _current: str = ""

    def now(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage (also when it ends with an exception)."""
        begun, self._current = self.now(), name
        try:
            yield
        finally:
            self.stages.append((name, begun, self.now() - begun))

    def page(self, waited: float, stored: float) -> None:
        """The current stage committed a page after ``waited`` seconds waiting for it and ``stored`` seconds
        writing it."""
        pages = self.pages.get(self._current)
        if pages is None:
            pages = self.pages[self._current] = Pages(first_at=self.now())
        pages.count += 1
        pages.waiting += waited
        pages.storing += stored

    def summary(self) -> str:
        """The run's timings as one line: the total, then each stage (its pages in brackets)."""
        parts = []
        for name, _begun, took in self.stages:
            text = f"{name} {took:.2f} s"
            pages = self.pages.get(name)
            if pages is not None:
                plural = "" if pages.count == 1 else "s"
                text += (
                    f" ({pages.count} page{plural}, the first stored at {pages.first_at:.2f} s; "
                    f"waiting for pages {pages.waiting:.2f} s, storing {pages.storing:.2f} s)"
                )
            parts.append(text)
        return f"took {self.now():.2f} s: " + (", ".join(parts) or "no stage ran")
