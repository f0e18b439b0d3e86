"""Issue 13's two figures, measured against real gunicorn processes on this machine.

1. Widget search latency (p50/p95) of normal shoppers, alone and while one client floods the same
   store's widget as fast as it can (behind a trusted proxy, so clients are told apart by
   ``X-Forwarded-For``). Also counts the shoppers' refusals: before the fix they all got 429 once the
   flood had spent the site key's budget.
2. Peak RSS of one web process while 16 wrong log-ins arrive at once, with the hashing bound
   (``HUB_PASSWORD_HASH_CONCURRENCY=2``, the default) and without it (16).

    .venv/bin/python bench/bench_security.py            # both
    .venv/bin/python bench/bench_security.py widget     # or one
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BENCH_KEY  # noqa: E402

SHOP = "https://jar-linen.example"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(tmp: Path, products: int = 2000) -> tuple[str, str]:
    """A migrated SQLite database with one site, its catalog and widget; returns (url, site key)."""
    from hub import create_app
    from hub.extensions import db
    from tests.widget_support import add_catalog, make_site, product, widget_for

    url = f"sqlite:///{tmp / 'hub.sqlite3'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "b" * 32,
            "HUB_ENCRYPTION_KEYS": BENCH_KEY,
            "HUB_PLUGINS_AUTOLOAD": "0",
            "INSTANCE_PATH": str(tmp / "instance"),
        }
    )
    # Migrate in a child process: Alembic's logging set-up would disable this process's existing loggers.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "b" * 32,
        "HUB_ENCRYPTION_KEYS": BENCH_KEY,
        "HUB_PLUGINS_AUTOLOAD": "0",
        "HUB_INSTANCE_PATH": str(tmp / "instance"),
    }
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True
    )
    with app.app_context():
        site = make_site("bench@example.com")
        words = ["glass", "jar", "linen", "towel", "lid", "preserve", "kilner", "mason", "cork", "seal"]
        add_catalog(
            site.id,
            [
                product(n, f"{words[n % 10].title()} {words[(n // 10) % 10]} {n}", price="4.00")
                for n in range(products)
            ],
        )
        key = widget_for(site).site_key
        db.engine.dispose()
    return url, key


class Gunicorn:
    """gunicorn with the production config on a free port."""

    def __init__(self, tmp: Path, database: str, **env: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {
            **os.environ,
            "DATABASE_URL": database,
            "SECRET_KEY": "b" * 32,
            "HUB_ENCRYPTION_KEYS": BENCH_KEY,
            "HUB_PLUGINS_AUTOLOAD": "0",
            "HUB_INSTANCE_PATH": str(tmp / "instance"),
            "HUB_TRUSTED_PROXIES": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            **env,
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "--access-logfile",
                "/dev/null",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or not answering yet
                time.sleep(0.2)
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[psutil.Process]:
        """The worker processes (children of the master)."""
        return psutil.Process(self.proc.pid).children()

    def stop(self) -> None:
        """Stop and wait."""
        self.proc.terminate()
        self.proc.wait(30)


def _percentiles(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=100)
    return f"p50 {qs[49] * 1000:.1f} ms, p95 {qs[94] * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"


def _shoppers(base: str, key: str, count: int, rate: float) -> tuple[list[float], dict[int, int]]:
    """``count`` searches at ``rate`` per second from 20 shopper addresses; latencies and status counts."""
    times, codes = [], {}
    session = requests.Session()
    for n in range(count):
        start = time.perf_counter()
        resp = session.get(
            f"{base}/widget/v1/search",
            params={"key": key, "q": "glass jar"},
            headers={"Origin": SHOP, "X-Forwarded-For": f"198.51.100.{n % 20}"},
            timeout=30,
        )
        times.append(time.perf_counter() - start)
        codes[resp.status_code] = codes.get(resp.status_code, 0) + 1
        time.sleep(max(0.0, 1 / rate - times[-1]))
    return times, codes


def _flood(port: int, key: str, stop: threading.Event, counts: dict[int, int], threads: int = 4) -> None:
    """One client (one X-Forwarded-For) searching as fast as ``threads`` keep-alive connections allow."""
    path = f"/widget/v1/search?key={key}&q=jar"

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            conn.request("GET", path, headers={"Origin": SHOP, "X-Forwarded-For": "203.0.113.66"})
            resp = conn.getresponse()
            resp.read()
            counts[resp.status] = counts.get(resp.status, 0) + 1

    pool = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()


def widget_figures() -> None:
    """Shopper latency without and with a flood from one client."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        database, key = _prepare(tmp)
        redis = None
        from hub import embedded_redis

        redis = embedded_redis.start(tmp / "redis")
        server = Gunicorn(tmp, database, REDIS_URL=redis.url, GUNICORN_WORKERS="2", GUNICORN_THREADS="8")
        try:
            _shoppers(server.base, key, 20, 20)  # warm up
            calm, calm_codes = _shoppers(server.base, key, 200, 10)
            print(f"shoppers alone:       {_percentiles(calm)}; answers {calm_codes}")
            stop, counts = threading.Event(), {}
            started = time.monotonic()
            _flood(server.port, key, stop, counts)
            time.sleep(2)
            flooded, flooded_codes = _shoppers(server.base, key, 200, 10)
            stop.set()
            elapsed = time.monotonic() - started
            total = sum(counts.values())
            print(f"shoppers under flood: {_percentiles(flooded)}; answers {flooded_codes}")
            print(
                f"flood: {total} requests in {elapsed:.0f} s = {total / elapsed * 60:,.0f}/min; answers {counts}"
            )
        finally:
            server.stop()
            redis.stop()


def _wrong_login(base: str, n: int, barrier: threading.Barrier) -> int:
    session = requests.Session()
    page = session.get(f"{base}/login", headers={"X-Forwarded-For": f"192.0.2.{n}"}, timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    barrier.wait()
    resp = session.post(
        f"{base}/login",
        data={"csrf_token": token, "email": f"user{n}@example.com", "password": "wrong password!"},
        headers={"X-Forwarded-For": f"192.0.2.{n}"},
        timeout=60,
    )
    return resp.status_code


def _sixteen_wrong_logins(server: Gunicorn) -> tuple[int, int, float, set[int]]:
    """(RSS before, peak RSS, seconds, statuses) of the one web process over 16 parallel wrong log-ins."""
    (worker,) = server.workers()
    requests.get(f"{server.base}/login", timeout=10)
    base_rss = worker.memory_info().rss
    peak = [base_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], worker.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    barrier = threading.Barrier(16)
    codes: list[int] = []
    start = time.perf_counter()
    threads = [
        threading.Thread(target=lambda n=n: codes.append(_wrong_login(server.base, n, barrier)))
        for n in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    stop.set()
    sampler.join()
    return base_rss, peak[0], took, set(codes)


def login_figures() -> None:
    """Peak RSS of one web process under 16 parallel wrong log-ins, bounded and not."""
    mib = 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        database, _key = _prepare(tmp, products=10)
        for concurrency in ("2", "16"):
            server = Gunicorn(
                tmp,
                database,
                REDIS_URL="",
                GUNICORN_WORKERS="1",
                GUNICORN_THREADS="16",
                HUB_PASSWORD_HASH_CONCURRENCY=concurrency,
            )
            try:
                base_rss, peak, took, codes = _sixteen_wrong_logins(server)
            finally:
                server.stop()
            print(
                f"16 parallel wrong log-ins, HUB_PASSWORD_HASH_CONCURRENCY={concurrency}: web process RSS "
                f"{base_rss / mib:.0f} MiB -> peak {peak / mib:.0f} MiB (+{(peak - base_rss) / mib:.0f}); "
                f"all answered in {took:.1f} s, statuses {sorted(codes)}"
            )


if __name__ == "__main__":
    which = sys.argv[1:] or ["widget", "login"]
    if "widget" in which:
        widget_figures()
    if "login" in which:
        login_figures()
