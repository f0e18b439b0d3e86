"""The product walk's fetching half in a child process: the plugin fetches and parses, the hub checks and
prepares (``hub.sync.prepare``) there; the worker only stores.

Why a process: all Python of one process shares one interpreter lock. A sync's fetching half (HTTP,
decoding, the plugin's parsing, the check, serializing and hashing: ~60 % of its CPU) and its storing
half took turns on one core however many the machine has. In a child they run side by side, and the
worker gets each page ready to write.

The child is forked (not spawned) when the walk starts, or before it (a full run starts it before listing
the taxonomy, so that the platform's latency overlaps that listing): it starts in milliseconds with the
plugin loaded and the run's credentials and settings, and never touches the parent's database connections
(``hub.forking`` closes them in every child) or Redis. It talks to the parent over one pipe:

- pages, prepared (``ProductPage`` whose ``products`` is a :class:`~hub.sync.prepare.PreparedPage`),
  at most :data:`PAGES_AHEAD` waiting beside the one being prepared (memory stays bounded), written by
  the child's own thread in the order everything was sent (:class:`_Outbox`);
- the plugin context's callbacks: ``record_usage`` and ``save_credentials`` are sent and run in the parent;
  ``should_stop`` reads one byte of shared memory the parent sets (cancel, shutdown, a lost run);
- how it ended: the iterator's end, or its exception (rebuilt in the parent with the child's traceback as
  a note: a ``PlatformError`` keeps its kind, message and retry time; ``StopRequested`` stays itself).

The child ignores SIGINT and SIGTERM (a terminal's Ctrl-C or a service manager's stop reaches the whole
group: the parent decides, through the stop byte) and dies with the parent (``PR_SET_PDEATHSIG`` on Linux,
and a parent-id check at every ``should_stop``), so a killed worker leaves nothing fetching.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import mmap
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub import redaction
from hub.contract import PluginContext, ProductPage
from hub.sync.memory import MALLOC, bulk_gc
from hub.sync.prepare import prepare_page

log = logging.getLogger(__name__)

PAGE, USAGE, CREDENTIALS, END, ERROR = "page", "usage", "credentials", "end", "error"
#: how often the parent, waiting for a page, passes its own ``should_stop`` on to the child (it also does
#: before each message)
POLL_SECONDS = 0.05
#: how long a stopping child may take to finish its request and report; then it is killed (it holds no
#: transaction: nothing is lost but an unsent usage count)
STOP_GRACE_SECONDS = 5.0
#: prepared pages the child may hold for the parent beyond the one it is preparing (~3 MB each, pickled)
PAGES_AHEAD = 2
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


class FetchProcessDied(RuntimeError):
    """The fetch process ended without saying how (killed, out of memory, a crash in C code)."""


def available() -> bool:
    """True where a child can be forked (Linux, macOS); elsewhere a sync fetches in the worker."""
    return "fork" in multiprocessing.get_all_start_methods()


def forked_pages(
    produce: Callable[[PluginContext], Iterable[ProductPage]], context: PluginContext, *, fold: bool = False
) -> ForkedPages:
    """Run ``produce`` (a plugin's page iterator, given the context to use) in a child forked now, and
    iterate its pages, each already prepared (``prepare_page(fold=fold)``: the search text folded for a
    database that wants it); the child's callbacks run on ``context`` in this process.

    The child starts fetching at once, before the first page is asked for: a walk can start it while this
    process still does other work (the taxonomy stage), and the first pages wait in the pipe. ``close()``
    (also called when the pages run out or fail) stops the child and waits for it briefly.
    """
    return ForkedPages(produce, context, fold=fold)


class ForkedPages:
    """The pages of a forked fetch process: an iterator with ``close()``, like a generator's."""

    def __init__(
        self,
        produce: Callable[[PluginContext], Iterable[ProductPage]],
        context: PluginContext,
        *,
        fold: bool = False,
    ) -> None:
        fork = multiprocessing.get_context("fork")
        self._receiver, sender = fork.Pipe(duplex=False)
        _widen(sender)
        self._stop = mmap.mmap(-1, 1)  # anonymous and shared: the parent's writes are the child's reads
        self._context = context
        self._closed = False
        gc.freeze()  # the child's collector then leaves the inherited objects (and their pages) alone
        try:
            self._process = fork.Process(
                target=_child,
                args=(produce, context, sender, self._stop, os.getpid(), fold),
                name="hub-fetch",
                daemon=True,
            )
            self._process.start()
        finally:
            gc.unfreeze()
            sender.close()

    def __iter__(self) -> ForkedPages:
        return self

    def __next__(self) -> ProductPage:
        if self._closed:
            raise StopIteration
        try:
            while True:
                kind, body = _receive(self._receiver, self._process, self._context, self._stop)
                if kind == PAGE:
                    return body
                if kind == END:
                    raise StopIteration
                if kind == ERROR:
                    raise _rebuild(*body)
                _callback(self._context, kind, body)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the child (pages not yet received are dropped) and wait for it; once."""
        if not self._closed:
            self._closed = True
            _finish(self._receiver, self._process, self._context, self._stop)

    def __del__(self) -> None:
        # Dropped unclosed (a consumer's wrapper closed, not this): stop the child as a generator's
        # finalizer would; otherwise it would block on the full pipe for as long as the worker lives.
        if not getattr(self, "_closed", True) and hasattr(self, "_process"):
            self.close()


def _widen(connection) -> None:
    """A page (~3 MB) crosses a 64 KiB pipe in ~50 turns of both processes; Linux lets a pipe hold up to
    ``/proc/sys/fs/pipe-max-size`` (1 MiB by default), so ask for that (elsewhere, keep the default)."""
    with contextlib.suppress(Exception):
        import fcntl

        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, min(limit, 1 << 20))


def _callback(context: PluginContext, kind: str, body: Any) -> None:
    if kind == USAGE:
        context.record_usage(**body)
    elif kind == CREDENTIALS:
        context.save_credentials(body)


def _receive(receiver, process, context: PluginContext, stop: mmap.mmap) -> tuple[str, Any]:
    """The child's next message; passes a stop on while waiting."""
    while True:
        if context.should_stop():
            stop[0] = 1
        if receiver.poll(POLL_SECONDS):
            break
        if not process.is_alive() and not receiver.poll():
            raise _died(process)
    try:
        return _load(receiver.recv_bytes())
    except EOFError:
        raise _died(process) from None


def _load(data: bytes) -> Any:
    """A message of our own forked child, from the pipe only the two processes hold. Pickled objects, not
    platform bytes: whatever a platform sent is already strings and numbers in them."""
    return pickle.loads(data)  # noqa: S301


def _died(process) -> FetchProcessDied:
    process.join(1.0)
    return FetchProcessDied(
        f"the sync's fetch process ended unexpectedly (exit code {process.exitcode}); "
        "the products stored so far are kept"
    )


def _finish(receiver, process, context: PluginContext, stop: mmap.mmap) -> None:
    """Stop the child and wait for it, still running its callbacks (pages after a stop are dropped: a
    resume starts at the last committed page)."""
    stop[0] = 1
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    try:
        while process.is_alive() and time.monotonic() < deadline:
            if not receiver.poll(POLL_SECONDS):
                continue
            kind, body = _load(receiver.recv_bytes())
            if kind in (USAGE, CREDENTIALS):
                _callback(context, kind, body)
    except (EOFError, OSError):
        pass  # the child closed its end: it is exiting
    finally:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("the sync's fetch process did not stop within %.0f s; killed", STOP_GRACE_SECONDS)
            process.kill()
            process.join()
        receiver.close()
        stop.close()


def _child(produce, context: PluginContext, sender, stop: mmap.mmap, parent: int, fold: bool) -> None:
    """The child's whole life: fetch, prepare, send; then report how it ended."""
    _settle_as_child()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    outbox = _Outbox(sender)

    def should_stop() -> bool:
        return stop[0] == 1 or os.getppid() != parent or outbox.broken

    def record_usage(**usage: float) -> None:
        outbox.put(USAGE, usage)

    def save_credentials(new: Mapping[str, Any]) -> None:
        # The parent stores them (and keeps the secret ones out of its logs); this process's logs need the
        # same: without the schema here, every longer value is treated as secret.
        redaction.register(*(v for v in new.values() if isinstance(v, str) and len(v) >= 8))
        outbox.put(CREDENTIALS, dict(new))

    mine = replace(
        context, should_stop=should_stop, record_usage=record_usage, save_credentials=save_credentials
    )
    pages = None
    try:
        # Set here, not inherited: the parent may fork before it enters its own walk's setting.
        with bulk_gc():
            pages = produce(mine)
            for page in pages or ():
                outbox.put(
                    PAGE, replace(page, products=prepare_page(page.products, fold=fold)), give_up=should_stop
                )
                # The page's parsed records (~10 MB) must not live on while the next one is awaited; the
                # loop variable would keep them until then.
                del page
                MALLOC.trim_every_few_pages()
                if should_stop():
                    break
        ending: tuple[str, Any] = (END, None)
    except BaseException as exc:  # everything is reported: the parent decides what it means
        ending = (ERROR, _portable(exc))
    finally:
        with contextlib.suppress(Exception):
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # the plugin's own threads and sessions end here
    outbox.put(*ending)
    outbox.close()
    sender.close()


class _Outbox:
    """The child's messages to the parent, written to the pipe by one thread, in the order they were put.

    A page is pickled where it is put (its objects are freed at once; ~3 MB of bytes wait instead), and up
    to :data:`PAGES_AHEAD` pickled pages wait for the parent, so the child goes on preparing the next page
    while the parent still stores an earlier one: with the page written from the preparing thread, the
    child could be at most one page ahead and either process's slower page stalled the other.

    Saved credentials are the exception that waits: ``put`` returns only once they are in the pipe, as a
    direct write did. A platform that rotates tokens may already have revoked the old one, so a new token
    still queued when the child dies (killed after a stop, out of memory) would leave the site unable to
    connect.
    """

    def __init__(self, sender) -> None:
        self._sender = sender
        self._queue: queue.SimpleQueue[tuple[str, bytes, threading.Event | None] | None] = queue.SimpleQueue()
        self._pages = threading.Semaphore(PAGES_AHEAD)
        self.broken = False  #: the parent closed its end (it stopped, or is gone): nothing more is sent
        self._thread = threading.Thread(target=self._write, name="hub-fetch-send", daemon=True)
        self._thread.start()

    def put(self, kind: str, body: Any, give_up: Callable[[], bool] | None = None) -> None:
        """Queue a message; a page first waits for room, unless the pipe broke or ``give_up()`` says stop;
        credentials wait until written."""
        data = pickle.dumps((kind, body), protocol=pickle.HIGHEST_PROTOCOL)
        if kind == PAGE:
            while not self._pages.acquire(timeout=POLL_SECONDS):
                if self.broken or (give_up is not None and give_up()):
                    return  # the walk is stopping: a page the parent will not store is dropped
        written = threading.Event() if kind == CREDENTIALS else None
        self._queue.put((kind, data, written))
        if written is not None:
            written.wait()

    def close(self) -> None:
        """Write what is queued (unless the pipe broke), then stop the writing thread."""
        self._queue.put(None)
        self._thread.join()

    def _write(self) -> None:
        while (message := self._queue.get()) is not None:
            kind, data, written = message
            if not self.broken:
                try:
                    self._sender.send_bytes(data)
                except OSError:  # the parent closed its end, or is gone
                    self.broken = True
                except Exception:  # never expected; the walk stops (and nothing waits on this thread)
                    log.exception("the fetch process could not send to the worker")
                    self.broken = True
            if kind == PAGE:
                self._pages.release()
            if written is not None:
                written.set()  # written, or never to be: the caller goes on either way


def _settle_as_child() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere ``should_stop`` notices), and name it
    ``hub-fetch`` in ``top`` and ``ps -o comm`` so that an operator can tell it from the worker."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        libc.prctl(_PR_SET_NAME, b"hub-fetch")


def _portable(exc: BaseException) -> tuple[type, tuple, dict, str]:
    """An exception as (class, args, attributes, traceback text), rebuilt without calling its ``__init__``
    (``PlatformError`` takes arguments its ``args`` do not hold); a plain RuntimeError if it cannot travel."""
    text = "".join(traceback.format_exception(exc))
    parts = (type(exc), tuple(exc.args), dict(getattr(exc, "__dict__", {})), text)
    try:
        _rebuild(*_load(pickle.dumps(parts)))
    except Exception:  # an attribute or argument that does not pickle, or a class defined in a function
        return RuntimeError, (f"{type(exc).__name__}: {exc}",), {}, text
    return parts


def _rebuild(cls: type, args: tuple, state: dict, text: str) -> BaseException:
    exc = cls.__new__(cls)
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    exc.add_note("in the sync's fetch process:\n" + text.rstrip())
    return exc
