"""Benchmark the Shopify plugin's full fetch against the Shopify demo store over real HTTP.

    .venv/bin/python -m bench.bench_shopify_sync [--products 10000,100000] [--validate 2000]
        [--plans standard,plus] [--no-bulk] [--latency-ms 0] [--concurrency 4]

For each N it starts the demo store in its own process (throttling off, so the walk runs at the speed
of HTTP and parsing) and fetches every product through the plugin's ``fetch_products`` hook, by paging
and by bulk export, discarding the pages. It records wall time, requests, the requested and actual cost
points Shopify's cost model charges (the demo store's counters), and this process's peak RSS.

The floor: Shopify charges the *actual* cost of each query against a bucket of B points restoring r
points a second. Charging C points therefore takes at least ``(C - B) / r`` seconds on that plan (Standard
2,000 / 100, Plus 20,000 / 1,000), whatever the client does; a paging walk's wall time on a plan is
``max(unthrottled wall, floor)``. ``--validate N`` runs one real throttled walk on the Standard bucket
and prints measured wall ÷ floor (how close the pacing gets). The bulk export costs 10 points for the
mutation and 1 per poll, so it has no cost floor; the crossover is the N from which bulk's wall time
beats paging's predicted wall time on a plan. Results go to ``bench/results/shopify-sync-*.json``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import ResultFile, RssSampler  # noqa: E402

#: bucket size and restore rate (points/s) per plan, as shopify-api.md §4.2 gives them
PLANS = {"standard": (2000.0, 100.0), "advanced": (4000.0, 200.0), "plus": (20000.0, 1000.0)}


def run_fetch(store: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """One full fetch through the plugin; pages are counted and dropped (the hub commits and forgets them)."""
    from claudery_shopify import plugin

    from hub.contract import FetchRequest, PluginContext

    creds = plugin.normalize_credentials("shopify", {"shop": store.shop, "access_token": store.access_token})
    ctx = PluginContext(settings={"SHOPIFY_API_URL": store.base_url + "/shops/{shop}", **settings})
    store.admin.reset_counts()
    gc.collect()
    sampler = RssSampler(os.getpid())
    sampler.reset()
    base_rss = sampler.peak_rss_mb
    sampler.start()
    products = errors = requests = pages = 0
    wait = 0.0
    started = time.perf_counter()
    for page in plugin.fetch_products("shopify", creds, FetchRequest(), ctx):
        products += len(page.products)
        errors += len(page.errors)
        requests += page.requests
        wait += page.rate_limit_wait
        pages += 1
        del page
    wall = time.perf_counter() - started
    sampler.stop()
    costs = store.admin.costs()
    return {
        "wall_s": round(wall, 2),
        "products": products,
        "errors": errors,
        "pages": pages,
        "requests": requests,
        "rate_limit_wait_s": round(wait, 2),
        "requested_points": sum(c["requested"] for c in costs.values()),
        "actual_points": sum(c["actual"] for c in costs.values()),
        "by_operation": costs,
        "rss_base_mb": round(base_rss, 1),
        "rss_peak_mb": round(sampler.peak_rss_mb, 1),
        "rss_growth_mb": round(sampler.peak_rss_mb - base_rss, 1),
    }


def floor_s(points: float, plan: str) -> float:
    """The least wall time in which a plan's bucket lets ``points`` be charged."""
    bucket, restore = PLANS[plan]
    return max(0.0, points - bucket) / restore


def bench_n(
    n: int, plans: list[str], bulk: bool, latency_ms: float = 0.0, concurrency: int = 4
) -> dict[str, Any]:
    """Paging and bulk for N products, and the predicted wall time per plan."""
    from claudery_shopify.demo_store.testing import start_demo_store_process

    store = start_demo_store_process(
        products=n, throttle=False, seed=42, startup_timeout=600, latency_ms=latency_ms
    )
    try:
        paging = run_fetch(store, {"SHOPIFY_BULK_THRESHOLD": 0, "SHOPIFY_MAX_CONCURRENCY": concurrency})
        result: dict[str, Any] = {"products": n, "paging": paging}
        if bulk:
            result["bulk"] = run_fetch(
                store, {"SHOPIFY_BULK_THRESHOLD": 1, "SHOPIFY_BULK_POLL_INTERVAL": 0.2}
            )
    finally:
        store.stop()
    result["plans"] = {}
    for plan in plans:
        floor = floor_s(paging["actual_points"], plan)
        row = {"floor_s": round(floor, 1), "paging_wall_s": round(max(paging["wall_s"], floor), 1)}
        if bulk:
            row["bulk_wall_s"] = result["bulk"]["wall_s"]
            row["faster"] = "bulk" if result["bulk"]["wall_s"] < row["paging_wall_s"] else "paging"
        result["plans"][plan] = row
    return result


def validate(n: int) -> dict[str, Any]:
    """A real throttled walk on the Standard bucket: measured wall time against the floor."""
    from claudery_shopify.demo_store.testing import start_demo_store_process

    store = start_demo_store_process(products=n, plan="standard", seed=42)
    try:
        run = run_fetch(store, {"SHOPIFY_BULK_THRESHOLD": 0})
        throttled = sum(
            v for (_op, _s, code), v in store.admin.request_counts().items() if code == "THROTTLED"
        )
    finally:
        store.stop()
    floor = floor_s(run["actual_points"], "standard")
    return {**run, "products_n": n, "floor_s": round(floor, 1), "wall_over_floor": round(run["wall_s"] / floor, 3)
            if floor else None, "throttled_answers": throttled}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a summary and write the JSON result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", default="10000", help="comma-separated catalog sizes")
    parser.add_argument("--plans", default="standard,plus")
    parser.add_argument(
        "--validate", type=int, default=0, help="N of a real throttled Standard walk (0: none)"
    )
    parser.add_argument("--no-bulk", action="store_true")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="demo store latency per API request")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="SHOPIFY_MAX_CONCURRENCY of the paging walk"
    )
    args = parser.parse_args(argv)
    plans = [p for p in args.plans.split(",") if p]
    sizes = [int(x) for x in args.products.split(",") if x]
    results: dict[str, Any] = {
        "sizes": {},
        "plans": {p: PLANS[p] for p in plans},
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
    }
    for n in sizes:
        r = bench_n(n, plans, not args.no_bulk, args.latency_ms, args.concurrency)
        results["sizes"][str(n)] = r
        p = r["paging"]
        print(
            f"N={n} paging: {p['wall_s']} s unthrottled, {p['requests']} requests, {p['actual_points']} points "
            f"charged ({p['requested_points']} requested, {p['actual_points'] / n:.2f}/product), "
            f"RSS +{p['rss_growth_mb']} MiB"
        )
        if "bulk" in r:
            b = r["bulk"]
            print(f"N={n} bulk:   {b['wall_s']} s, {b['requests']} requests, {b['actual_points']} points, "
                  f"RSS +{b['rss_growth_mb']} MiB")  # fmt: skip
        for plan, row in r["plans"].items():
            print(f"N={n} {plan}: floor {row['floor_s']} s, paging ≈ {row['paging_wall_s']} s"
                  + (f", bulk {row['bulk_wall_s']} s → {row['faster']}" if "bulk_wall_s" in row else ""))  # fmt: skip
    if args.validate:
        v = validate(args.validate)
        results["validate"] = v
        print(
            f"validate N={args.validate} standard (real throttling): {v['wall_s']} s for a floor of {v['floor_s']} s "
            f"(x {v['wall_over_floor']}), {v['throttled_answers']} THROTTLED answers, {v['requests']} requests"
        )
    path = ResultFile("shopify-sync", results).write("n" + "-".join(str(n) for n in sizes))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
