"""Point 12 of issue 13: gunicorn with the documented config, several processes, metrics summed across them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parent.parent
SHOP = "https://jar-linen.example"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_workers_share_metrics(tmp_path, redis_url):
    from bench.bench_security import _prepare

    database, key = _prepare(tmp_path, products=1)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "s" * 32,
        "HUB_ENCRYPTION_KEYS": TEST_KEY,
        "HUB_ENV": "production",
        "HUB_PLUGINS_AUTOLOAD": "0",
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HUB_METRICS_TOKEN": "scrape-me-please",
        "HUB_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "WIDGET_RATE_LIMIT_PER_CLIENT": "100000",  # this test is one client sending up to 300 searches
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or not answering yet
                pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.3)
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        # Until both workers have answered (each keeps its own counter file), then some more.
        sent = 0
        while sent < 300 and (sent < 30 or len(list((tmp_path / "metrics").glob("counter_*.db"))) < 2):
            answer = requests.get(
                f"{base}/widget/v1/search",
                params={"key": key, "q": "jar"},
                headers={"Origin": SHOP},
                timeout=5,
            )
            assert answer.status_code == 200
            sent += 1
        assert len(list((tmp_path / "metrics").glob("counter_*.db"))) == 2
        login = requests.get(f"{base}/login", timeout=5)
        assert login.headers["Strict-Transport-Security"].startswith("max-age=")
        metrics = requests.get(
            f"{base}/metrics", headers={"Authorization": "Bearer scrape-me-please"}, timeout=10
        )
        assert metrics.status_code == 200
        line = next(
            ln
            for ln in metrics.text.splitlines()
            if ln.startswith('hub_widget_requests_total{endpoint="search"')
        )
        assert float(line.split()[-1]) == sent  # summed over both workers' files
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output[-2000:]


def test_json_log_lines_are_redacted():
    import json
    import logging

    from hub import redaction
    from hub.logging_setup import JsonFormatter

    redaction.install()
    redaction.register("sekret-token-value")
    record = logging.getLogger("hub.test").makeRecord(
        "hub.test", logging.WARNING, __file__, 1, "calling with %s", ("sekret-token-value",), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["logger"] == "hub.test"
    assert "sekret-token-value" not in entry["message"]
