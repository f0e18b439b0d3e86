"""The sync's fetch process (``hub.sync.fetch_process``): what crosses between it and the worker.

Pages arrive prepared; the plugin context's callbacks run in the worker; a stop, an early close, an
exception, a crash and a killed worker each end the child the way the engine expects. The engine's own
contract through the fetch process is ``tests/test_engine.py`` (every test runs with it and without).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from hub.contract import ErrorKind, PlatformError, PluginContext, Product, ProductPage, StopRequested
from hub.sync import fetch_process
from hub.sync.prepare import PreparedPage

pytestmark = pytest.mark.skipif(not fetch_process.available(), reason="no fork() here")


def _page(n: int, *, bad: bool = False) -> ProductPage:
    products = [Product(id=f"{n}-{i}", name=f"Product {n}-{i}", raw={"n": n}) for i in range(3)]
    if bad:
        products.append(Product(id=f"{n}-bad", name="   ", raw={}))  # no name: refused by the check
    return ProductPage(products=products, cursor=str(n), requests=1)


def _page_larger_than_the_pipe(n: int) -> ProductPage:
    """A page whose prepared form (~1.8 MB) cannot fit the pipe (1 MiB at most): writing it blocks until the
    worker reads."""
    blob = "x" * 600_000
    return ProductPage(
        products=[Product(id=f"{n}-{i}", name=f"P {n}", raw={"blob": blob}) for i in range(3)], cursor=str(n)
    )


def _endless(context):
    """Pages without end, each naming the process that made it, until the worker says stop."""
    n = 0
    while True:
        n += 1
        page = _page(n)
        page.cursor = str(os.getpid())
        yield page
        context.check_stop()


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) is not running
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_pages_arrive_checked_and_prepared_in_order_with_the_checks_errors():
    def produce(context):
        for n in range(1, 4):
            yield _page(n, bad=n == 2)

    pages = list(fetch_process.forked_pages(produce, PluginContext(settings={})))
    assert [p.cursor for p in pages] == ["1", "2", "3"]
    assert all(isinstance(p.products, PreparedPage) for p in pages)
    assert [r.id for r in pages[1].products.ready] == ["2-0", "2-1", "2-2"]
    assert [e.product_id for e in pages[1].products.errors] == ["2-bad"]
    assert pages[0].products.ready[0].columns[0] == "Product 1-0" and pages[0].requests == 1


def test_the_child_prepares_pages_ahead_while_the_worker_stores_one_but_only_a_few(tmp_path):
    # Pages larger than the pipe: a child that wrote each page itself could prepare nothing more until the
    # worker read the one it was writing.
    asked = tmp_path / "asked"

    def produce(context):
        for n in range(1, 20):
            asked.write_text(str(n))
            yield _page_larger_than_the_pipe(n)

    pages = fetch_process.forked_pages(produce, PluginContext(settings={}))
    try:
        assert next(pages).cursor == "1"
        furthest = 1 + fetch_process.PAGES_AHEAD + 1  # the pages waiting, then the one being prepared
        assert _wait_for(lambda: asked.read_text() == str(furthest)), asked.read_text()
        time.sleep(0.5)
        assert asked.read_text() == str(furthest)  # and no further: memory stays bounded
        assert [p.cursor for p in pages] == [str(n) for n in range(2, 20)]
    finally:
        pages.close()


def test_usage_and_credentials_from_the_plugins_threads_reach_the_worker():
    usage: list[dict] = []
    saved: list[dict] = []
    worker = os.getpid()

    def produce(context):
        threads = [
            threading.Thread(target=context.record_usage, kwargs={"requests": 1, "rate_limit_wait": 0.5})
            for _ in range(5)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        context.save_credentials({"token": "renewed-token-in-child", "pid": os.getpid()})
        yield _page(1)

    context = PluginContext(
        settings={}, record_usage=lambda **kw: usage.append(kw), save_credentials=saved.append
    )
    pages = list(fetch_process.forked_pages(produce, context))
    assert len(pages) == 1
    assert usage == [{"requests": 1, "rate_limit_wait": 0.5}] * 5
    assert saved[0]["token"] == "renewed-token-in-child" and saved[0]["pid"] != worker  # it ran in the child


def test_a_token_saved_in_the_child_reaches_the_worker_even_if_the_child_dies_right_after():
    # A platform that rotates tokens may have revoked the old one already: the new one must not die queued
    # behind a page the worker has not read yet.
    saved: list[dict] = []

    def produce(context):
        yield _page_larger_than_the_pipe(1)  # still being written when the token is saved
        context.save_credentials({"token": "rotated-token"})
        os._exit(3)  # as if killed just after

    context = PluginContext(settings={}, save_credentials=saved.append)
    pages = fetch_process.forked_pages(produce, context)
    assert next(pages).cursor == "1"
    with pytest.raises(fetch_process.FetchProcessDied):
        next(pages)
    assert saved == [{"token": "rotated-token"}]


def test_a_stop_in_the_worker_reaches_the_plugin_and_ends_the_walk():
    stop = threading.Event()
    seen: list[str] = []

    def produce(context):
        n = 0
        while not context.should_stop():
            n += 1
            yield _page(n)
            time.sleep(0.01)

    context = PluginContext(settings={}, should_stop=stop.is_set)
    for page in fetch_process.forked_pages(produce, context):
        seen.append(page.cursor)
        if len(seen) == 3:
            stop.set()  # the child learns it from the worker while the worker waits for a page
    assert len(seen) >= 3  # pages already sent are still delivered; the walk ended on its own


def test_leaving_early_stops_the_child_without_killing_it():
    pids: list[int] = []

    pages = fetch_process.forked_pages(_endless, PluginContext(settings={}))
    started = time.monotonic()
    for page in pages:
        pids.append(int(page.cursor))
        break
    pages.close()
    assert time.monotonic() - started < fetch_process.STOP_GRACE_SECONDS  # stopped, not waited out and killed
    assert not _alive(pids[0])


def test_pages_dropped_without_closing_stop_the_child():
    """As a generator's finalizer did: a consumer that drops the pages (its own wrapper closed) must not
    leave the child blocked on a full pipe."""

    pages = fetch_process.forked_pages(_endless, PluginContext(settings={}))
    child = int(next(pages).cursor)
    del pages
    assert _wait_for(lambda: not _alive(child), 10.0)


def test_a_platform_error_keeps_its_kind_message_and_retry_time():
    def produce(context):
        yield _page(1)
        raise PlatformError(ErrorKind.RATE_LIMITED, "The store is busy; the sync retries.", retry_after=12.5)

    pages = fetch_process.forked_pages(produce, PluginContext(settings={}))
    assert next(pages).cursor == "1"
    with pytest.raises(PlatformError) as caught:
        next(pages)
    exc = caught.value
    assert (exc.kind, exc.message, exc.retry_after) == (
        ErrorKind.RATE_LIMITED,
        "The store is busy; the sync retries.",
        12.5,
    )
    assert any("in the sync's fetch process" in note and "produce" in note for note in exc.__notes__)


def test_a_stop_raised_by_the_plugin_stays_a_stop():
    def produce(context):
        raise StopRequested
        yield  # pragma: no cover - a generator

    with pytest.raises(StopRequested):
        list(fetch_process.forked_pages(produce, PluginContext(settings={})))


class _Unpicklable(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.lock = threading.Lock()  # cannot be pickled


def test_an_exception_that_cannot_travel_arrives_as_a_runtime_error_naming_it():
    def produce(context):
        raise _Unpicklable("the plugin's own bug")
        yield  # pragma: no cover - a generator

    with pytest.raises(RuntimeError, match="_Unpicklable: the plugin's own bug"):
        list(fetch_process.forked_pages(produce, PluginContext(settings={})))


def test_a_child_that_dies_is_reported_not_waited_for(tmp_path):
    received = tmp_path / "received"

    def produce(context):
        yield _page(1)
        # Dies once the worker has page 1 (a page still waiting to be written would die with it: a resumed
        # run fetches it again from the last stored cursor).
        assert _wait_for(received.exists)
        os._exit(3)  # as if killed by the kernel: no message, no traceback

    pages = fetch_process.forked_pages(produce, PluginContext(settings={}))
    assert next(pages).cursor == "1"
    received.touch()
    with pytest.raises(fetch_process.FetchProcessDied, match="exit code 3"):
        next(pages)


_WORKER = textwrap.dedent(
    """
    import sys, time
    from hub.contract import PluginContext, Product, ProductPage
    from hub.sync import fetch_process

    def produce(context):
        import os
        with open(sys.argv[1], "w") as fh:
            fh.write(str(os.getpid()))
        while True:
            time.sleep(0.05)  # a plugin waiting on the network, not checking should_stop
        yield

    for _page in fetch_process.forked_pages(produce, PluginContext(settings={})):
        pass
    """
)


def test_a_killed_worker_leaves_no_fetch_process_behind(tmp_path):
    pid_file = tmp_path / "child.pid"
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(pid_file)])
    try:
        assert _wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
        child = int(pid_file.read_text())
        assert _alive(child)
        assert Path(f"/proc/{child}/comm").read_text().strip() == "hub-fetch"  # what an operator sees
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        assert _wait_for(lambda: not _alive(child), 10.0)
    finally:
        worker.kill()
        worker.wait(10)


def test_the_child_ignores_a_terminal_interrupt_and_stops_when_the_worker_says(tmp_path):
    """Ctrl-C reaches the whole process group; the worker decides (it requeues the run), not the child."""
    pids: list[int] = []

    def produce(context):
        n = 0
        while not context.should_stop():
            n += 1
            page = _page(n)
            page.cursor = str(os.getpid())
            yield page
            time.sleep(0.01)

    pages = fetch_process.forked_pages(produce, PluginContext(settings={}))
    pids.append(int(next(pages).cursor))
    os.kill(pids[0], signal.SIGINT)
    os.kill(pids[0], signal.SIGTERM)
    assert next(pages) is not None and _alive(pids[0])  # still fetching
    pages.close()
    assert _wait_for(lambda: not _alive(pids[0]), 10.0)
