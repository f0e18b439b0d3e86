"""The walk's memory policy (``hub.sync.memory``): the allocator is trimmed every few pages, not each one,
and always when a walk ends. (That memory stays flat in N is measured by ``bench/bench_sync.py --large``.)"""

from __future__ import annotations

import pytest

from hub.sync import memory


class _Libc:
    """Stands in for glibc only: counts the trims asked for."""

    def __init__(self) -> None:
        self.trims = 0

    def malloc_trim(self, pad: int) -> int:
        self.trims += 1
        return 1


@pytest.fixture
def libc(monkeypatch) -> _Libc:
    fake = _Libc()
    malloc = memory._Malloc()
    malloc._libc = fake
    monkeypatch.setattr(memory, "MALLOC", malloc)
    return fake


def test_pages_trim_the_allocator_every_few_pages(libc):
    every = memory.TRIM_EVERY_PAGES
    assert every > 1
    for _ in range(every - 1):
        memory.MALLOC.trim_every_few_pages()
    assert libc.trims == 0
    memory.MALLOC.trim_every_few_pages()
    assert libc.trims == 1
    for _ in range(every * 3):
        memory.MALLOC.trim_every_few_pages()
    assert libc.trims == 4


def test_a_walk_that_ends_gives_its_memory_back_whatever_page_it_ended_on(libc):
    with memory.bulk_gc():
        memory.page_done()
    assert libc.trims == 1


def test_a_walk_restores_the_collectors_thresholds():
    import gc

    before = gc.get_threshold()
    with memory.bulk_gc():
        assert gc.get_threshold()[0] == memory.WALK_GC_THRESHOLD
    assert gc.get_threshold() == before
