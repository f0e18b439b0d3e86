"""``hub quickstart`` (what ``python3 dev.py run`` runs) as a developer meets it: a taken port is refused
before anything starts, the console stays quiet, and SIGTERM / SIGHUP / SIGINT stop every child process
(worker before Redis), with no traceback and no orphan."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HUB = [str(Path(sys.executable).parent / "hub")]  # the console script, as dev.py runs it


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "HUB_ENV")}
    env["HUB_INSTANCE_PATH"] = str(tmp_path / "instance")
    subprocess.run([*HUB, "db", "upgrade"], env=env, check=True, capture_output=True)
    return env


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_taken_port_is_refused_before_anything_starts(tmp_path):
    env = _env(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*HUB, "quickstart", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60
        )
    assert done.returncode != 0
    assert f"Port {port} is already in use" in done.stderr and f"--port {port + 1}" in done.stderr
    assert "Redis" not in done.stdout and "Claudery Hub:" not in done.stdout  # nothing started, no banner
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_every_child_quietly(tmp_path, signum):
    env = _env(tmp_path)
    port = _free_port()
    proc = subprocess.Popen(
        [*HUB, "quickstart", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("Claudery Hub:") or not line:
                break
        assert any(line.startswith("Claudery Hub:") for line in lines), lines
        import requests

        for _ in range(50):  # the web server comes up just after the banner
            try:
                assert requests.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or not answering yet
                time.sleep(0.1)
        time.sleep(1.5)  # the worker has started its own children (RQ's scheduler)
        children = _children(proc.pid)
        assert len(children) >= 2, children  # at least Redis and the worker
        proc.send_signal(signum)
        time.sleep(0.3)
        proc.send_signal(signum)  # twice, as `timeout` or an impatient developer does: still a clean stop
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out and "Aborted" not in err
    # worker first, then every platform's demo store, Redis last (whatever plugins are installed)
    (line,) = [line for line in err.splitlines() if line.startswith("Stopping: ")]
    stopped = line.removeprefix("Stopping: ").removesuffix(" ...").split(", ")
    assert stopped[0] == "worker" and stopped[-1] == "Redis"
    assert "BigCommerce demo store" in stopped and all(s.endswith("demo store") for s in stopped[1:-1])
    assert " 200 -" not in err  # quiet: no line per request
    time.sleep(0.5)
    assert not [pid for pid in children if _alive(pid)], "orphans left behind"
