"""Memory and allocation policy for a long product walk: a flat RSS and a collector that keeps out of the way."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

#: pages a walk stores (and its fetch process prepares) between two trims of the allocator's free memory
TRIM_EVERY_PAGES = 4
#: generation-0 threshold of the cyclic GC during a product walk (CPython's default is 700)
WALK_GC_THRESHOLD = 100_000


class _Malloc:
    """glibc's allocator, tamed for a long walk; a no-op where the C library is not glibc.

    A walk allocates each page (a ~2 MB body, then ~10 MB of parsed records) on a fetch thread and frees
    it on the main thread. glibc gives each thread its own arena and returns little of it to the
    system, so the worker's RSS crept up with the catalog (measured: +35 MB between 10,000 and 100,000
    products). Two arenas and a trim after each committed page keep it flat.
    """

    M_ARENA_MAX = -8

    def __init__(self) -> None:
        self._libc = None
        with contextlib.suppress(OSError, AttributeError):
            import ctypes
            import ctypes.util

            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.mallopt, libc.malloc_trim  # noqa: B018 (glibc only: raises AttributeError elsewhere)
            self._libc = libc
        self._limited = False
        self._pages = 0

    def limit_arenas(self) -> None:
        """At most two arenas for threads started from now on (once per process)."""
        if self._libc is not None and not self._limited:
            self._libc.mallopt(self.M_ARENA_MAX, 2)
            self._limited = True

    def trim(self) -> None:
        """Give freed memory back to the system."""
        if self._libc is not None:
            self._libc.malloc_trim(0)

    def trim_every_few_pages(self) -> None:
        """A page is done with: trim after every :data:`TRIM_EVERY_PAGES` of them.

        Not after each one: what a trim gives back, the next page takes again, and the kernel hands it
        over a zeroed 4 KiB page at a time. Trimming every page cost ~40-60 µs of CPU a product across
        the worker and its fetch process (10,000-product syncs, with and without: ~25 MB less memory).
        Every fourth page keeps most of that CPU for ~5-10 MB, and memory still does not grow with N
        (``bench_sync --large``: tree PSS 100,000 ÷ 10,000 = 1.13).
        """
        self._pages += 1
        if self._pages % TRIM_EVERY_PAGES == 0:
            self.trim()


MALLOC = _Malloc()


@contextlib.contextmanager
def bulk_gc() -> Iterator[None]:
    """Collect garbage less often while pages of products are parsed and stored.

    Each page allocates ~100,000 dicts and lists (parsed JSON, records, rows) that live until the page
    is committed, with several pages in flight. With the default threshold the collector runs every 700
    allocations and keeps re-walking them: measured, a quarter of the worker's CPU in a full sync.
    Young garbage is still collected (every ``WALK_GC_THRESHOLD`` allocations), so memory stays bounded;
    the previous thresholds are restored afterwards, and freed memory given back. The worker runs one
    job at a time (SimpleWorker), so the process-wide setting concerns this sync only.
    """
    previous = gc.get_threshold()
    gc.set_threshold(WALK_GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        MALLOC.trim()  # the walk is over: what it freed goes back, whenever the last trim was


def page_done() -> None:
    """A page is stored: collect its cyclic garbage, then give the freed memory back (every few pages).

    Under :func:`bulk_gc` the collector runs only after ``WALK_GC_THRESHOLD`` net new containers, and a
    page nets only a few (what it allocates is freed by reference counting), except for the reference
    cycles its queries leave (~1.5 objects per product): they piled up for ~100,000 products before the
    first collection, so the worker's memory grew with the catalog (+12 MB of Python objects per 100,000
    products in ingest alone). Collected here, only the young generation is looked at (a stored page's
    survivors: measured 0.06 ms a page), and memory stays flat in N. (A fetch process leaves no cycles:
    9 objects in a whole 10,000-product walk, so it only trims.)
    """
    gc.collect(0)
    MALLOC.trim_every_few_pages()
