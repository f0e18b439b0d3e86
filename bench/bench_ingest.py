"""Benchmark database ingest alone: :func:`hub.sync.ingest.ingest_products`, page by page, committed.

    .venv/bin/python -m bench.bench_ingest [--products 10000] [--postgres-url URL]

Products (with variants, images and custom fields) come from the demo store's catalog generator and are
parsed by the BigCommerce plugin before the clock starts, so only the hub's side is timed: hashing,
row building, the batched upserts and one commit per 250-product page, exactly as a sync does. Three
passes: all new (inserts), all unchanged (hash compare, ``last_seen_run_id`` update), 1 % changed. Then
the worker's own part in a sync, "store alone", on a second site: the products prepared (checked,
serialized, hashed: a sync's fetch process does that, in parallel) before the clock, then stored, all
new and then all unchanged.
SQLite always (a fresh file); PostgreSQL when ``--postgres-url``, ``BENCH_POSTGRES_URL`` or a
``postgresql://`` ``DATABASE_URL`` is given. Results go to ``bench/results/ingest-*.json``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import BENCH_KEY, ResultFile, redact_url, work_dir

PAGE = 250


def make_products(n: int, seed: int = 42) -> list:
    """``n`` parsed contract products from the demo catalog generator (not timed)."""
    from claudery_bigcommerce.demo_store.catalog import Catalog
    from claudery_bigcommerce.parsing import parse_product

    catalog = Catalog("benchingest", seed, n, cache_products=1)
    products = []
    for pid in catalog.ids:
        raw = catalog.full_product(pid)
        for key in ("options", "primary_image"):  # not part of the sync's include=
            raw.pop(key, None)
        product, _errors = parse_product(raw)
        if product is not None:
            products.append(product)
    return products


def _app(database_url: str, workdir: Path):
    from hub import create_app

    return create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret-key-" + "x" * 16,
            "HUB_ENCRYPTION_KEYS": BENCH_KEY,
            "INSTANCE_PATH": str(workdir / "instance"),
            "HUB_PLUGINS_AUTOLOAD": "0",
        }
    )


def new_site(label: str) -> tuple[int, int]:
    """Migrate the app's database and add a user and site of the benchmark's own: (site id, user id)."""
    from flask_migrate import upgrade

    from hub.extensions import db
    from hub.models import Site
    from hub.views.auth import create_user

    upgrade()
    user = create_user(f"{label}-{os.getpid()}-{time.time_ns()}@example.com", "correct horse battery")
    site = Site(owner_id=user.id, name=f"{label} bench")
    db.session.add(site)
    db.session.commit()
    return site.id, user.id


def _passes(session, site_id: int, products: list) -> list[dict[str, Any]]:
    """Ingest ``products`` three times: all new, all unchanged, 1 % changed."""
    changed = {p.id for p in products[::100]}
    return _timed(
        session,
        site_id,
        [
            ("insert (all new)", products),
            ("unchanged", products),
            ("1% changed", [replace(p, name=p.name + " *") if p.id in changed else p for p in products]),
        ],
    )


def _store_alone(session, site_id: int, products: list) -> list[dict[str, Any]]:
    """The worker's part in a sync: products prepared (checked, serialized, hashed, on PostgreSQL their
    search text folded) before the clock, as a sync's fetch process hands them over, then stored: all new,
    then all unchanged."""
    from hub.sync.prepare import prepare_page
    from hub.sync.search_index import folds_text

    prepared = prepare_page(products, fold=folds_text(session.get_bind().dialect.name)).ready
    passes = _timed(
        session, site_id, [("store alone: insert", prepared), ("store alone: unchanged", prepared)]
    )
    if session.get_bind().dialect.name == "postgresql":
        passes[0]["text_search_floor"] = _text_search_floor(session, prepared)
    return passes


#: the to_tsvector calls of a new product's two index rows (hub.sync.search_index), on text already folded;
#: brand and category names (a few words) left out, so the floor is, if anything, low
_TEXT_SEARCH = """SELECT sum(
    length(setweight(to_tsvector('english', n), 'A') || setweight(to_tsvector('simple', s), 'A')
    || setweight(to_tsvector('english', d), 'D')) + length(to_tsvector('english', t)))
FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) AS x(n, s, d, t)"""


def _text_search_floor(session, prepared: list) -> dict[str, float]:
    """PostgreSQL's text search alone over the products just stored, page by page as ingest sends it: the
    server's parsing and stemming that every new product costs whatever the hub does (nothing is written).
    A floor for the ingest figure: above ``products_per_s`` no insert can go on this machine."""
    connection = session.connection().connection.dbapi_connection
    seconds = 0.0
    for start in range(0, len(prepared), PAGE):
        page = prepared[start : start + PAGE]
        columns = ([p.folded[0] for p in page], [p.sku for p in page], [p.folded[1] for p in page],
                   [p.folded[2] for p in page])  # fmt: skip
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(_TEXT_SEARCH, columns)
            cursor.fetchall()
        seconds += time.perf_counter() - started
    session.rollback()
    us = seconds / len(prepared) * 1e6
    print(f"   the server's text search alone: {us:,.0f} µs a product = at most {1e6 / us:,.0f} products/s")
    return {"us_per_product": round(us, 1), "products_per_s": round(1e6 / us, 1)}


def _timed(session, site_id: int, versions: list[tuple[str, list]]) -> list[dict[str, Any]]:
    from hub.sync.memory import bulk_gc

    # The products above are this benchmark's, not the worker's (which holds a few pages at a time):
    # frozen, the collector does not re-walk them; the sync's own GC setting applies as in a sync.
    gc.collect()
    gc.freeze()
    try:
        with bulk_gc():
            return [_pass(session, site_id, n, label, batch) for n, (label, batch) in enumerate(versions, 1)]
    finally:
        gc.unfreeze()


def _pass(session, site_id: int, run_id: int, label: str, batch: list) -> dict[str, Any]:
    """One pass, page by page with a commit each, as the sync engine does."""
    from hub.models.base import utcnow
    from hub.sync import ingest
    from hub.sync.prepare import Ready

    store = ingest.ingest_ready if batch and isinstance(batch[0], Ready) else ingest.ingest_products
    started, cpu = time.perf_counter(), time.process_time()
    totals = ingest.IngestCounts()
    for start in range(0, len(batch), PAGE):
        counts = store(session, site_id, run_id, batch[start : start + PAGE], utcnow())
        session.commit()
        totals.created += counts.created
        totals.updated += counts.updated
        totals.unchanged += counts.unchanged
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(f"   {label:>16}: {len(batch):,} products in {seconds:.2f} s = {len(batch) / seconds:,.0f}/s "
          f"(CPU {cpu:.2f} s = {len(batch) / cpu:,.0f}/s of CPU; load {os.getloadavg()[0]:.1f})")  # fmt: skip
    return {
        "pass": label,
        "seconds": round(seconds, 3),
        "products_per_s": round(len(batch) / seconds, 1),
        "cpu_s": round(cpu, 3),
        "products_per_cpu_s": round(len(batch) / cpu, 1),
        "load_average": os.getloadavg(),
        "created": totals.created,
        "updated": totals.updated,
        "unchanged": totals.unchanged,
    }


def run(database_url: str, products: list, workdir: Path) -> dict[str, Any]:
    """Migrate ``database_url``, ingest ``products`` into a new site three times, then delete the site."""
    from sqlalchemy import delete

    from hub.extensions import db
    from hub.models import User

    app = _app(database_url, workdir)
    with app.app_context():
        site_id, user_id = new_site("ingest")
        print(f"\n== ingest alone on {db.engine.dialect.name}: {len(products):,} products, "
              f"{sum(len(p.variants) for p in products):,} variants, "
              f"{sum(len(p.images) for p in products):,} images, "
              f"{sum(len(p.custom_fields) for p in products):,} custom fields", flush=True)  # fmt: skip
        passes = _passes(db.session, site_id, products)
        alone_site, alone_user = new_site("ingest-alone")
        passes += _store_alone(db.session, alone_site, products)
        for user in (user_id, alone_user):
            db.session.execute(delete(User).where(User.id == user))  # cascades to sites and products
        db.session.commit()
        dialect = db.engine.dialect.name
        db.session.remove()
        db.engine.dispose()
    return {
        "database": dialect,
        "database_url": redact_url(database_url),
        "products": len(products),
        "variants": sum(len(p.variants) for p in products),
        "images": sum(len(p.images) for p in products),
        "custom_fields": sum(len(p.custom_fields) for p in products),
        "page": PAGE,
        "cpus": os.cpu_count(),
        "passes": passes,
        "products_per_s": passes[0]["products_per_s"],
    }


def postgres_url(explicit: str | None = None) -> str | None:
    """The PostgreSQL to measure on, if one is configured."""
    for url in (explicit, os.environ.get("BENCH_POSTGRES_URL"), os.environ.get("DATABASE_URL")):
        if url and url.startswith(("postgres://", "postgresql")):
            return url
    return None


def run_all(n: int, database_url: str | None = None) -> list[dict[str, Any]]:
    """SQLite (fresh) and, when configured, PostgreSQL; each result written under bench/results/."""
    products = make_products(n)
    workdir = work_dir("claudery-ingest-")
    urls = [f"sqlite:///{workdir / 'ingest.sqlite3'}"]
    pg = postgres_url(database_url)
    if pg:
        urls.append(pg)
    results = []
    for url in urls:
        result = run(url, products, workdir)
        path = ResultFile("ingest", result).write(f"{result['database']}-n{n}")
        print(f"   → {path}")
        results.append(result)
    return results


def summary_line(r: dict[str, Any]) -> str:
    """The one-line summary of an ingest result."""
    p = {x["pass"]: x["products_per_s"] for x in r["passes"]}
    floor = next((x["text_search_floor"] for x in r["passes"] if "text_search_floor" in x), None)
    bound = ""
    if floor:
        alone = p["store alone: insert"]
        bound = (f"; text search alone at most {floor['products_per_s']:,.0f}/s "
                 f"(store alone: insert ÷ that = {alone / floor['products_per_s']:.2f})")  # fmt: skip
    return (
        f"ingest {r['database']} N={r['products']} ({r['variants']} variants): "
        + ", ".join(f"{k} {v:,.0f}/s" for k, v in p.items())
        + bound
        + f" (target ≥ 10,000/s on {r['cpus']} CPUs)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the ingest benchmark and print a summary line per database."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    results = run_all(args.products, args.postgres_url)
    print("\n== summary")
    for r in results:
        print(summary_line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
