"""Widget search benchmark: p50/p95/p99 of a shopper's query over a large synced catalog.

Builds a catalog of N products (default 100,000) with the demo store's vocabulary - names, SKUs, brands,
categories, HTML descriptions - through the sync engine's own upsert (so the search index is filled by
its database triggers, and that cost is reported too), then times ``hub.widget.search.search_products``
(ranked ids and the result rows, what the API endpoint does per request) on a mix of queries: one word,
two or three words, a shopper's sentence, a SKU, a brand, a miss. Also times the full HTTP endpoint
through the Flask test client. Each search is timed before (the keyword search of ``bench.legacy_search``)
and after issue 16 (query understanding on, submitted and as-you-type), on the same catalog.

    .venv/bin/python -m bench.bench_search [--products 100000] [--queries 400] [--database-url URL] [--reuse]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BENCH_KEY, redact_url, work_dir  # noqa: E402

PAGE = 1000


def _vocabulary():
    from claudery_bigcommerce.demo_store import words as w

    return w


def make_products(n: int, seed: int) -> list:
    """``n`` contract products in the demo store's vocabulary (not timed)."""
    from hub.contract import Product, Variant

    w, rng = _vocabulary(), random.Random(seed)
    products = []
    for pid in range(1, n + 1):
        noun_i = rng.randrange(len(w.NOUNS))
        name = (
            f"{rng.choice(w.ADJECTIVES)} {rng.choice(w.MATERIALS)} {w.NOUNS[noun_i]} {rng.choice(w.COLORS)}"
        )
        body = " ".join(rng.choice(w.SENTENCES) for _ in range(rng.randint(1, 6)))
        products.append(
            Product(
                id=str(pid),
                name=f"{name} No. {pid}",
                sku=(sku := f"{w.SKU_CODES[noun_i % len(w.SKU_CODES)]}-{pid:06d}"),
                variants=[Variant(id=f"{pid}{n}", sku=f"{sku}-{size}") for n, size in enumerate(("S", "L"))],
                description=f"<p>{body}</p>",
                price=f"{rng.uniform(2, 400):.2f}",
                is_visible=rng.random() >= 0.08,
                inventory_level=(level := rng.randint(0, 50)),
                in_stock=rng.choice((None, level > 0)),
                url_path=f"/p-{pid}/",
                brand_ids=[str(rng.randrange(len(w.BRANDS)))],
                category_ids=[
                    str(c) for c in rng.sample(range(len(w.SUBCATEGORIES)), k=rng.choice((1, 1, 2)))
                ],
            )
        )
    return products


def make_queries(n: int, seed: int) -> list[str]:
    """A mix of what shoppers type."""
    w, rng = _vocabulary(), random.Random(seed + 1)
    shapes = [
        lambda: rng.choice(w.NOUNS),
        lambda: f"{rng.choice(w.COLORS)} {rng.choice(w.NOUNS)}s",
        lambda: f"{rng.choice(w.MATERIALS)} {rng.choice(w.NOUNS)} {rng.choice(w.COLORS)}",
        lambda: (
            f"I'm looking for a {rng.choice(w.ADJECTIVES).lower()} {rng.choice(w.NOUNS).lower()} for my kitchen"
        ),
        lambda: f"{rng.choice(w.SKU_CODES)}-{rng.randint(1, 99999):06d}",
        lambda: rng.choice(w.BRANDS),
        lambda: "zeppelin xylophone",
        # what query understanding handles: prices, intent, a typo, a word being typed
        lambda: f"{rng.choice(w.NOUNS).lower()} under ${rng.randint(10, 200)}",
        lambda: f"cheap {rng.choice(w.COLORS).lower()} {rng.choice(w.NOUNS).lower()} in stock",
        lambda: _typo(rng.choice(w.NOUNS).lower(), rng),
        lambda: f"{rng.choice(w.MATERIALS).lower()} {rng.choice(w.NOUNS).lower()[:3]}",
    ]
    return [shapes[i % len(shapes)]() for i in range(n)]


def _typo(word: str, rng: random.Random) -> str:
    """``word`` with two neighbouring letters swapped (a typo one edit away)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


def _build(args, products: list, w):
    """Migrate a fresh database and ingest the catalog as a sync does; the site."""
    from flask_migrate import downgrade, upgrade

    from hub.contract import Brand, Category
    from hub.extensions import db
    from hub.models import Site, SyncRun, User
    from hub.models.base import utcnow
    from hub.sync import ingest

    if args.database_url:
        downgrade(revision="base")
    upgrade()
    user = User(email="bench@example.com")
    user.set_password("bench-password-123")
    db.session.add(user)
    db.session.flush()
    site = Site(owner_id=user.id, name="Bench", store_info={"currency": "USD"})
    db.session.add(site)
    db.session.commit()
    ingest.replace_taxonomy(
        db.session,
        site.id,
        [Category(id=str(i), name=name) for i, name in enumerate(w.SUBCATEGORIES)],
        [Brand(id=str(i), name=name) for i, name in enumerate(w.BRANDS)],
    )
    db.session.commit()
    started = time.perf_counter()
    for start in range(0, len(products), PAGE):
        ingest.ingest_products(db.session, site.id, 1, products[start : start + PAGE], utcnow())
        db.session.commit()
    # The run ends as a sync's does: its final state change merges the index (migration 0003).
    run = SyncRun(site_id=site.id, kind="full", state="running", stage="products", trigger="manual")
    db.session.add(run)
    db.session.commit()
    run.state = "succeeded"
    db.session.commit()
    build = time.perf_counter() - started
    rate = args.products / build
    print(f"ingest with index triggers, then the end-of-run merge: {build:.1f} s ({rate:,.0f} products/s)")

    return site


def main(argv: list[str] | None = None) -> int:
    """Build the catalog, run the queries, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--reuse", action="store_true", help="search the catalog a previous run left in --database-url"
    )
    args = parser.parse_args(argv)

    from sqlalchemy import select

    from bench import legacy_search
    from hub import create_app
    from hub.extensions import db
    from hub.models import Site
    from hub.models.catalog import products_with_variant_sku
    from hub.widget.search import SearchOptions, find, search_products
    from hub.widget.settings import settings_for
    from hub.widget.vocabulary import vocabulary_for

    workdir = work_dir("bench-search-")
    url = args.database_url or f"sqlite:///{workdir / 'hub.sqlite3'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret-key-" + "x" * 16,
            "HUB_ENCRYPTION_KEYS": BENCH_KEY,
            "INSTANCE_PATH": str(workdir / "instance"),
            "HUB_PLUGINS_AUTOLOAD": "0",
            "WIDGET_RATE_LIMIT_PER_CLIENT": 10**9,
            "WIDGET_RATE_LIMIT_PER_KEY": 10**9,
            "REDIS_URL": "",
        }
    )
    print(f"database: {redact_url(url)}; products: {args.products:,}; queries: {args.queries}")
    products = make_products(args.products, args.seed)
    queries = make_queries(args.queries, args.seed)
    w = _vocabulary()
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.name == "Bench")) if args.reuse else None
        if site is None:
            site = _build(args, products, w)
        else:
            print("reusing the catalog already in the database (--reuse)")

        # The SKUs to look up later, then the 100,000 contract objects go: a hub worker does not hold
        # them, and every garbage collection would walk them during the timed searches.
        skus = [
            p.variants[rng_i % 2].sku for rng_i, p in enumerate(products[:: max(1, len(products) // 200)])
        ]
        variant_count = sum(len(p.variants) for p in products)
        del products
        gc.collect()
        opts = SearchOptions(limit=5)
        t0 = time.perf_counter()
        vocabulary_for(db.session, site.id, 3600)  # built once per site and TTL, not per query
        print(f"catalog vocabulary (typos, brands, categories): built in {time.perf_counter() - t0:.2f} s")
        before = legacy_search.SearchOptions(limit=5)
        for query in queries[:20]:  # warm the page cache, as a running hub would be
            search_products(db.session, site.id, query, opts)
            legacy_search.search_products(db.session, site.id, query, before)
        runs = (
            ("before (keyword search)", lambda q: legacy_search.search_products(db.session, site.id, q, before)),
            ("after, submitted (understanding on)", lambda q: find(db.session, site.id, q, opts).rows),
            ("after, as you type (last word a prefix)",
             lambda q: find(db.session, site.id, q, opts, partial=True).rows),
        )  # fmt: skip
        for label, search in runs:
            samples, hits = [], 0
            for query in queries:
                t0 = time.perf_counter()
                rows = search(query)
                samples.append((time.perf_counter() - t0) * 1000)
                hits += bool(rows)
            stats = _percentiles(samples)
            print(
                f"search {label} (ms): "
                + ", ".join(f"{k} {v:.2f}" for k, v in stats.items())
                + f"; {hits}/{len(queries)} queries found products"
            )

        # A variant-SKU lookup (hub.models.catalog.products_with_variant_sku): found, and a miss.
        skus += [f"NO-SUCH-{n}" for n in range(50)]
        samples = []
        for sku in skus:
            t0 = time.perf_counter()
            found = products_with_variant_sku(site.id, sku)
            samples.append((time.perf_counter() - t0) * 1000)
            assert bool(found) == (not sku.startswith("NO-SUCH")), sku
        stats = _percentiles(samples)
        print(
            f"variant-SKU lookup over {variant_count:,} variants (ms): "
            + ", ".join(f"{k} {v:.2f}" for k, v in stats.items())
            + " (target ≤ 5 ms)"
        )

        key = settings_for(site).site_key
        db.session.commit()
    client = app.test_client()
    samples = []
    for query in queries:
        t0 = time.perf_counter()
        resp = client.get("/widget/v1/search", query_string={"key": key, "q": query})
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, resp.status_code
    stats = _percentiles(samples)
    print("GET /widget/v1/search (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in stats.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
