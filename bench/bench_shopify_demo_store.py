"""Benchmark the Shopify demo store at 100,000 products: server time per 250-product page, and memory.

The page is the plugin's sync query (shopify-api.md §3.7): 250 products with their scalars, price range,
variant count, ``media(first: 10)`` and ``variants(first: 10)``, keyset-paged by ``sortKey: ID``. Server
time is measured in process (``DemoStoreApp.handle``: GraphQL preparation, cost, execution, JSON; no
socket) for cold pages (products never built before) and warm ones (the same page again), and over HTTP
from the ``Server-Timing: app;dur=`` header while paging sequentially as a sync does.

    .venv/bin/python bench/bench_shopify_demo_store.py [--products 100000] [--pages 30]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import orjson
import requests
from claudery_shopify.demo_store.config import DemoStoreConfig
from claudery_shopify.demo_store.server import DemoStoreServer

QUERY = """
query CatalogPage($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: ID) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId title handle descriptionHtml vendor productType status tags
      createdAt updatedAt publishedAt onlineStoreUrl totalInventory
      priceRangeV2 { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
      variantsCount { count precision }
      media(first: 10) {
        pageInfo { hasNextPage endCursor }
        nodes { id mediaContentType alt ... on MediaImage { image { url width height altText } } }
      }
      variants(first: 10) {
        pageInfo { hasNextPage endCursor }
        nodes { id legacyResourceId title sku barcode price compareAtPrice inventoryQuantity position updatedAt
                selectedOptions { name value } }
      }
    }
  }
}
"""


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
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()

    base_rss = rss_mb()
    t0 = time.perf_counter()
    server = DemoStoreServer(DemoStoreConfig(products=args.products, throttle=False))
    server.freeze_catalogs()  # as the command does: this process is the demo store's own
    server.start()
    startup = time.perf_counter() - t0
    app = server.app
    shop = app.shops[server.shop]
    ids = shop.catalog.ids
    headers = {"x-shopify-access-token": server.access_token, "content-type": "application/json"}
    path = f"/shops/{server.shop}/admin/api/2026-10/graphql.json"
    step = max(1, len(ids) // args.pages)
    cursors = [shop.catalog.cursor("ID", shop.catalog.cores[ids[i]]) for i in range(0, len(ids) - 500, step)]

    def in_process(after: str) -> tuple[float, float, int, int]:
        body = orjson.dumps({"query": QUERY, "variables": {"first": 250, "after": after}})
        t, cpu = time.perf_counter(), time.thread_time()
        resp = app.handle("POST", path, "", headers, body)
        wall, cpu_ms = (time.perf_counter() - t) * 1000, (time.thread_time() - cpu) * 1000
        data = orjson.loads(resp.body)  # type: ignore[arg-type]
        assert len(data["data"]["products"]["nodes"]) == 250, data
        return wall, cpu_ms, len(resp.body), data["extensions"]["cost"]["requestedQueryCost"]  # type: ignore[arg-type]

    in_process(cursors[0])  # the first request compiles the query (cached afterwards)
    cold, warm = [], []
    for c in cursors[1 : args.pages + 1]:
        cold.append(in_process(c))
        warm.append(in_process(c))
    session = requests.Session()
    seq_ms, wall_ms = [], []
    after = shop.catalog.cursor("ID", shop.catalog.cores[ids[len(ids) // 2 + 777]])
    url = f"{server.base_url}{path}"
    for _ in range(args.pages):
        t = time.perf_counter()
        r = session.post(url, data=orjson.dumps({"query": QUERY, "variables": {"first": 250, "after": after}}),
                         headers=headers)  # fmt: skip
        wall_ms.append((time.perf_counter() - t) * 1000)
        seq_ms.append(float(r.headers["Server-Timing"].split("dur=")[1]))
        after = r.json()["data"]["products"]["pageInfo"]["endCursor"]
    rss_after = rss_mb()
    t = time.perf_counter()
    total = sum(len(chunk) for chunk in shop.catalog.ground_truth())
    truth_s = time.perf_counter() - t
    server.stop()

    print(f"products:                         {args.products:,}")
    print(f"startup (catalog build):          {startup:.2f} s")
    print(f"RSS after the pages:              {rss_after:.0f} MiB (interpreter baseline {base_rss:.0f} MiB)")
    size_kib = statistics.median(b for *_, b, _ in cold) / 1024
    print(f"page: 250 products, requested cost {cold[0][3]}, median {size_kib:.0f} KiB")
    rows = [("cold page, in process", [w for w, *_ in cold]), ("cold page, CPU time", [c for _, c, *_ in cold]),
            ("warm page, in process", [w for w, *_ in warm]), ("sequential paging, Server-Timing", seq_ms),
            ("sequential paging, client wall", wall_ms)]  # fmt: skip
    for label, values in rows:
        print(f"{label + ':':34}median {statistics.median(values):6.2f} ms  p90 {pct(values, 0.9):6.2f} ms  "
              f"max {max(values):6.2f} ms")  # fmt: skip
    print(f"ground truth (whole catalog):     {truth_s:.1f} s, {total / 1e6:.0f} MB of JSON")


if __name__ == "__main__":
    main()
