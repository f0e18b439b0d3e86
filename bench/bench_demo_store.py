"""Benchmark the demo store at 100,000 products: server time per 250-product page, and memory.

Server time is measured two ways: in process (``DemoStoreApp.handle``, no socket; wall and CPU time) and
over HTTP from the ``Server-Timing: app;dur=`` header (the server's own time, excluding the network). Both
are reported for a cold page (products generated and serialized on first use) and a warm one (the same
page again at once, served from the cache), and for keyset paging as a sync does it (with read-ahead).

    .venv/bin/python bench/bench_demo_store.py [--products 100000] [--pages 40]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import requests
from claudery_bigcommerce.demo_store.config import DemoStoreConfig
from claudery_bigcommerce.demo_store.server import DemoStoreServer

INCLUDE = "variants,images,custom_fields"


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()

    base_rss = rss_mb()
    t0 = time.perf_counter()
    server = DemoStoreServer(DemoStoreConfig(products=args.products, quota=0)).start()
    startup = time.perf_counter() - t0
    app = server.app
    store = app.stores[server.store_hash]
    headers = {"x-auth-token": server.access_token, "accept": "application/json"}
    path = f"/stores/{server.store_hash}/v3/catalog/products"
    ids = store.catalog.ids
    step = max(1, len(ids) // args.pages)
    starts = [ids[i] for i in range(0, len(ids) - 250, step)][: args.pages]

    def in_process(first_id: int) -> tuple[float, float, int]:
        query = f"limit=250&include={INCLUDE}&id:min={first_id}"
        t, cpu = time.perf_counter(), time.thread_time()
        _, resp = app.handle("GET", path, query, headers, b"")
        return (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000, len(resp.body)  # type: ignore[arg-type]

    # Random access, no read-ahead: each page first cold (its products never generated), then at once warm
    # (the cache is sized by memory, ~17 such pages, so "warm" means recently served).
    app.config.prefetch = False
    cold, warm = [], []
    for s in starts:
        cold.append(in_process(s))
        warm.append(in_process(s))
    session = requests.Session()
    http_cold, http_warm, wall_ms = [], [], []
    http_starts = [ids[i + 1000] for i in range(0, len(ids) - 1500, step)][: args.pages]  # not yet generated
    for s in http_starts:
        url = f"{server.base_url}{path}?limit=250&include={INCLUDE}&id:min={s}"
        r = session.get(url, headers=headers)
        http_cold.append(float(r.headers["Server-Timing"].split("dur=")[1]))
        t = time.perf_counter()
        r = session.get(url, headers=headers)
        wall_ms.append((time.perf_counter() - t) * 1000)
        http_warm.append(float(r.headers["Server-Timing"].split("dur=")[1]))
        assert r.status_code == 200 and len(r.json()["data"]) == 250
    # A sync's access pattern: keyset paging over HTTP through an unvisited region, the client parsing
    # each page (the read-ahead generates the next page meanwhile).
    app.config.prefetch = True
    seq_ms = []
    last = ids[len(ids) // 2 + 3000]
    for _ in range(args.pages):
        url = f"{server.base_url}{path}?limit=250&include={INCLUDE}&sort=id&id:greater={last}"
        r = session.get(url, headers=headers)
        seq_ms.append(float(r.headers["Server-Timing"].split("dur=")[1]))
        last = r.json()["data"][-1]["id"]
    # Deep offset paging (page N of 400) rather than keyset, to show it is not slower.
    t = time.perf_counter()
    app.handle("GET", path, f"limit=250&include={INCLUDE}&page=300", headers, b"")
    deep = (time.perf_counter() - t) * 1000
    rss_after_pages = rss_mb()
    t = time.perf_counter()
    total = sum(len(chunk) for chunk in store.catalog.ground_truth())
    truth_s = time.perf_counter() - t
    rss_full = rss_mb()
    server.stop()

    sizes = [b for _, _, b in cold]
    rows = [
        ("cold page, in process", [m for m, _, _ in cold]),
        ("cold page, CPU time", [c for _, c, _ in cold]),
        ("warm page, in process", [m for m, _, _ in warm]),
        ("cold page, Server-Timing", http_cold),
        ("warm page, Server-Timing", http_warm),
        ("warm page, client wall", wall_ms),
        ("keyset paging, Server-Timing", seq_ms),
    ]
    print(f"products:                       {args.products:,}")
    print(f"startup (catalog build):        {startup:.2f} s")
    print(
        f"RSS after the pages:            {rss_after_pages:.0f} MiB (interpreter baseline {base_rss:.0f} MiB)"
    )
    print(f"page size:                      median {statistics.median(sizes) / 1024:.0f} KiB")
    for label, values in rows:
        print(
            f"{label + ':':32}median {statistics.median(values):6.2f} ms  p90 {pct(values, 0.9):6.2f} ms  "
            f"max {max(values):6.2f} ms"
        )
    print(f"deep offset page (page=300):    {deep:.2f} ms")
    print(f"ground truth (whole catalog):   {truth_s:.1f} s, {total / 1e6:.0f} MB of JSON")
    print(f"RSS after the ground truth:     {rss_full:.0f} MiB")


if __name__ == "__main__":
    main()
