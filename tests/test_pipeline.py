"""The sync's page pipeline: pages in order, what the plugin raises after the pages before it, clean stops."""

from __future__ import annotations

import threading

import pytest

from hub.contract import StopRequested
from hub.sync.pipeline import Prepared


def _pages(n, *, fail_after=None, closed=None, threads=None):
    try:
        for k in range(n):
            if threads is not None:
                threads.add(threading.current_thread().name)
            if fail_after is not None and k == fail_after:
                raise StopRequested("asked to stop")
            yield k
    finally:
        if closed is not None:
            closed.append(threading.current_thread().name)


def test_pages_come_in_order_with_what_was_prepared_for_them():
    with Prepared(_pages(50), lambda k: k * k, depth=2) as prepared:
        assert list(prepared) == [(k, k * k) for k in range(50)]


def test_what_the_iterator_raises_comes_after_the_pages_before_it():
    seen = []
    with (
        pytest.raises(StopRequested, match="asked to stop"),
        Prepared(_pages(10, fail_after=3), str) as prepared,
    ):
        for page, _ready in prepared:
            seen.append(page)
    assert seen == [0, 1, 2]


def test_leaving_early_closes_the_plugins_iterator_on_the_thread_that_drives_it():
    closed: list[str] = []
    threads: set[str] = set()
    with Prepared(_pages(1000, closed=closed, threads=threads), str) as prepared:
        for page, _ready in prepared:
            if page == 2:
                break
    assert closed == ["sync-prepare"] and threads == {"sync-prepare"}


def test_a_failing_prepare_reaches_the_writer():
    def prepare(k):
        if k == 1:
            raise ValueError("bad page")
        return k

    with pytest.raises(ValueError, match="bad page"), Prepared(_pages(5), prepare) as prepared:
        list(prepared)
