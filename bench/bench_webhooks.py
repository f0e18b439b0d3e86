"""Benchmark live updates: delivery-to-queryable latency, and what one web process accepts per second.

    .venv/bin/python -m bench.bench_webhooks [--changes 200] [--rate 20] [--deliveries 3000] [--clients 8]
        [--products 1000] [--database-url URL]

Real parts: the BigCommerce demo store (a subprocess) sends its webhooks over HTTP to the hub served by
gunicorn (``deploy/gunicorn.conf.py``, **one** worker process, its default threads), and a `hub worker`
applies them. Two measurements:

1. **Latency**: ``--changes`` product edits through the demo store's admin endpoint, ``--rate`` per
   second; for each, the time from the edit (the store queues the delivery at once) until the new name
   is in the hub's database (queryable by the widget and ``hub products export``). p50/p95/max; the
   target is p95 <= 2 s. Product requests made per change are reported too.
2. **Receiving throughput**: ``--deliveries`` authentic deliveries POSTed by ``--clients`` concurrent
   clients straight to the endpoint, with no worker running (only the receiver is measured): deliveries
   per second and the answer time p50/p95 (target <= 100 ms each).

Results are written as JSON under ``bench/results/``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import ResultFile, connect_site, make_app, redact_url, start_services, start_worker

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def start_gunicorn(app, services, queue: str, store, port: int, log: Path) -> subprocess.Popen:
    """One gunicorn worker process serving the hub (production config), sharing the bench's DB and Redis."""
    cfg = app.config
    env = {
        **os.environ,
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": services.redis_url,
        "HUB_QUEUE": queue,
        "SECRET_KEY": cfg["SECRET_KEY"],
        "HUB_ENCRYPTION_KEYS": cfg["HUB_ENCRYPTION_KEYS"],
        "HUB_INSTANCE_PATH": app.instance_path,
        "HUB_PLUGINS": "bigcommerce",
        "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BIGCOMMERCE_API_URL": store.base_url,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null",
         "wsgi:app"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def measure_latency(app, site_id: int, store, changes: int, rate: float) -> dict:
    """Edit ``changes`` products at ``rate``/s; time each edit until its new name is stored."""
    from sqlalchemy import select

    from hub.extensions import db
    from hub.models import Product

    ids = sorted(int(p["id"]) for p in store.admin.catalog()["products"])[:changes]
    store.admin.reset_counts()
    edited: dict[str, tuple[str, float]] = {}
    done: dict[str, float] = {}
    lock = threading.Lock()
    finished = threading.Event()

    def watch() -> None:
        with app.app_context():
            while not finished.is_set():
                with lock:
                    waiting = {pid: name for pid, (name, _) in edited.items() if pid not in done}
                if waiting:
                    rows = db.session.execute(
                        select(Product.platform_id, Product.name).where(
                            Product.site_id == site_id, Product.platform_id.in_(list(waiting))
                        )
                    ).all()
                    now = time.perf_counter()
                    with lock:
                        for pid, name in rows:
                            if waiting.get(pid) == name:
                                done[pid] = now
                    db.session.rollback()  # a fresh snapshot next time
                time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    tag = uuid.uuid4().hex[:6]
    started = time.perf_counter()
    for i, pid in enumerate(ids):
        time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        name = f"Live {tag} {pid}"
        at = time.perf_counter()
        store.admin.update_product(pid, name=name)
        with lock:
            edited[str(pid)] = (name, at)
    deadline = time.monotonic() + 120
    while len(done) < len(ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    finished.set()
    watcher.join(5)
    latencies = [done[pid] - at for pid, (_, at) in edited.items() if pid in done]
    product_requests = sum(
        n for (endpoint, status), n in store.admin.request_counts().items() if "catalog/products" in endpoint
    )
    return {
        "changes": len(ids),
        "rate_per_s": rate,
        "applied": len(latencies),
        "p50_s": round(_pct(latencies, 0.50), 3),
        "p95_s": round(_pct(latencies, 0.95), 3),
        "max_s": round(max(latencies), 3) if latencies else None,
        "product_requests": product_requests,
        "target_p95_s": 2.0,
    }


def measure_throughput(url: str, secret: str, deliveries: int, clients: int) -> dict:
    """POST authentic deliveries as fast as ``clients`` concurrent senders can; per-delivery answer times."""
    times: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def send(i: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        payload = {"scope": "store/product/updated", "store_id": "1", "data": {"type": "product", "id": 1 + i % 500},
                   "hash": hashlib.sha1(f"bench{i}{time.time_ns()}".encode()).hexdigest(),  # noqa: S324 - an id
                   "created_at": int(time.time()), "producer": "stores/bench"}  # fmt: skip
        began = time.perf_counter()
        resp = session.post(
            url, data=json.dumps(payload), timeout=30,
            headers={"Content-Type": "application/json", "X-Claudery-Hub-Secret": secret},
        )  # fmt: skip
        took = time.perf_counter() - began
        with lock:
            times.append(took)
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, range(deliveries)))
    wall = time.perf_counter() - started
    return {
        "deliveries": deliveries,
        "clients": clients,
        "wall_s": round(wall, 2),
        "per_second": round(deliveries / wall, 1),
        "answer_p50_ms": round(_pct(times, 0.5) * 1000, 1),
        "answer_p95_ms": round(_pct(times, 0.95) * 1000, 1),
        "answer_mean_ms": round(statistics.fmean(times) * 1000, 1),
        "statuses": statuses,
        "target_answer_ms": 100,
    }


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print one summary line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    from claudery_bigcommerce.demo_store.testing import start_demo_store_process

    from hub.extensions import db
    from hub.models import RunKind, Site
    from hub.sync import runs
    from hub.webhooks import endpoints, lifecycle
    from tests.sync_support import wait_run

    services = start_services(args.database_url)
    store = start_demo_store_process(products=args.products, quota=0, seed=21)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    app = make_app(services, BIGCOMMERCE_API_URL=store.base_url, HUB_QUEUE=queue, HUB_PUBLIC_URL=public)
    site_id = connect_site(app, store)
    web = worker = None
    result = ResultFile(
        "webhooks", {"database": redact_url(services.database_url), "products": args.products}
    )
    try:
        web = start_gunicorn(app, services, queue, store, port, services.workdir / "gunicorn.log")
        worker = start_worker(app, services.redis_url, queue, services.workdir / "worker.log",
                              HUB_PUBLIC_URL=public)  # fmt: skip
        with app.app_context():
            site = db.session.get(Site, site_id)
            run, _ = runs.start_run(site, RunKind.FULL)
            run_id = run.id
        assert wait_run(app, run_id, timeout=600).state == "succeeded"
        with app.app_context():
            state = lifecycle.register(db.session.get(Site, site_id))
            endpoint = endpoints.for_site(db.session.get(Site, site_id))
            url, secret = endpoints.target_url(endpoint), endpoints.secret_of(endpoint)
        if state != "active":
            raise RuntimeError(f"webhooks not registered: {state}")
        result.data["latency"] = latency = measure_latency(app, site_id, store, args.changes, args.rate)
        worker.stop()
        worker = None
        result.data["throughput"] = throughput = measure_throughput(
            url, secret, args.deliveries, args.clients
        )
    finally:
        if worker is not None:
            worker.stop()
        if web is not None:
            web.terminate()
            web.wait(20)
        store.stop()
        services.stop()
    path = result.write("bigcommerce")
    print(
        f"latency: {latency['applied']}/{latency['changes']} changes at {latency['rate_per_s']}/s, "
        f"p50 {latency['p50_s']} s, p95 {latency['p95_s']} s, max {latency['max_s']} s, "
        f"{latency['product_requests']} product requests"
    )
    print(
        f"receiving: {throughput['per_second']} deliveries/s on one web process ({throughput['clients']} "
        f"clients), answer p50 {throughput['answer_p50_ms']} ms, p95 {throughput['answer_p95_ms']} ms, "
        f"statuses {throughput['statuses']}"
    )
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
