"""The worker's CPU per product, stage by stage, without the network: decode, parse, prepare, store.

    .venv/bin/python -m bench.bench_cpu [--products 5000] [--profile] [--database-url URL]

Pages of 250 products are built by the demo store's generator and serialized to the bytes the store
would send (``include=variants,images,custom_fields``) before any clock starts. Each stage is then timed
in thread CPU seconds over the same pages, as a sync does them: ``orjson.loads`` of the body, the
plugin's ``parse_product``, the hub's ``prepare_page`` (``hub.sync.validate``'s check, then serializing
and hashing, ``hub.sync.prepare``: what a sync's fetch process does) and ``hub.sync.ingest.ingest_ready`` with a commit
per page into a fresh SQLite file (or ``--database-url``).
The sum is the worker's CPU per product for the sync's own work (HTTP handling and threads excluded), to
compare with the target of 150 µs per product. ``--profile`` runs the stages under cProfile and prints
the 30 most expensive functions by own time (``--sort cumulative`` for inclusive time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from typing import Any

import orjson

from bench.common import ResultFile, host_speed_ms, machine, work_dir

PAGE = 250


def make_bodies(n: int, seed: int = 42) -> tuple[list[bytes], list, list]:
    """Listing bodies of ``PAGE`` products each, as the demo store serializes them, and the store's
    categories and brands as contract records (not timed)."""
    from claudery_bigcommerce.demo_store.catalog import Catalog

    from hub.contract import Brand, Category

    catalog = Catalog("benchcpu", seed, n, cache_products=1)
    categories = [Category(str(c["id"]), c["name"]) for c in catalog.taxonomy.categories]
    brands = [Brand(str(b["id"]), b["name"]) for b in catalog.taxonomy.brands]
    bodies, data = [], []
    for pid in catalog.ids:
        raw = catalog.full_product(pid)
        for key in ("options", "primary_image"):  # not part of the sync's include=
            raw.pop(key, None)
        data.append(raw)
        if len(data) == PAGE:
            bodies.append(orjson.dumps({"data": data, "meta": {"pagination": {"total": n}}}))
            data = []
    if data:
        bodies.append(orjson.dumps({"data": data, "meta": {"pagination": {"total": n}}}))
    return bodies, categories, brands


def _stages(bodies: list[bytes], session, site_id: int) -> dict[str, float]:
    """Run every stage over every page; thread CPU seconds per stage."""
    from claudery_bigcommerce.parsing import parse_product

    from hub.models.base import utcnow
    from hub.sync.ingest import ingest_ready
    from hub.sync.prepare import prepare_page
    from hub.sync.search_index import folds_text

    spent = dict.fromkeys(("decode", "parse", "prepare", "store"), 0.0)
    fold = folds_text(session.get_bind().dialect.name)  # as a sync's fetch process prepares for this database
    clock = time.thread_time
    for body in bodies:
        t0 = clock()
        data = orjson.loads(body)["data"]
        t1 = clock()
        parsed = [p for p, _errors in map(parse_product, data) if p is not None]
        t2 = clock()
        ready = prepare_page(parsed, fold=fold)
        t3 = clock()
        ingest_ready(session, site_id, 1, ready.ready, utcnow())
        session.commit()
        t4 = clock()
        for name, seconds in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            spent[name] += seconds
    return spent


def run(n: int, database_url: str | None, profile: bool, sort: str) -> dict[str, Any]:
    """Build the pages, then time (or profile) the stages on a new site of a migrated database."""
    from bench.bench_ingest import _app, new_site
    from hub.extensions import db
    from hub.models import Site, User
    from hub.sync.ingest import replace_taxonomy
    from hub.sync.memory import bulk_gc

    bodies, categories, brands = make_bodies(n)
    workdir = work_dir("claudery-cpu-")
    url = database_url or f"sqlite:///{workdir / 'cpu.sqlite3'}"
    app = _app(url, workdir)
    with app.app_context():
        site_id, user_id = new_site("cpu")
        # stored first, as a sync does: the search index looks up each product's brand and categories
        replace_taxonomy(db.session, site_id, categories, brands)
        db.session.commit()
        profiler = cProfile.Profile() if profile else None
        with bulk_gc():
            if profiler:
                profiler.enable()
            wall = time.perf_counter()
            spent = _stages(bodies, db.session, site_id)
            wall = time.perf_counter() - wall
            if profiler:
                profiler.disable()
        dialect = db.engine.dialect.name
        if not database_url:
            db.session.remove()
            db.engine.dispose()
        else:
            db.session.delete(db.session.get(Site, site_id))  # cascades to the products
            db.session.delete(db.session.get(User, user_id))
            db.session.commit()
    if profiler:
        pstats.Stats(profiler).sort_stats(sort).print_stats(30)
    total = sum(spent.values())
    result = {
        "database": dialect,
        "products": n,
        "profiled": profile,
        "cpu_s": {k: round(v, 3) for k, v in spent.items()},
        "us_per_product": {k: round(v / n * 1e6, 1) for k, v in spent.items()},
        "total_us_per_product": round(total / n * 1e6, 1),
        "ratio_to_target_150us": round(total / n * 1e6 / 150, 2),
        "wall_s": round(wall, 3),
        "load_average": os.getloadavg(),
        "commit": machine()["commit"],
    }
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the CPU per product of each stage (and a profile with ``--profile``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--profile", action="store_true", help="run under cProfile and print the top 30")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    args = parser.parse_args(argv)
    host = host_speed_ms()  # before the run, on a host not yet loaded by it
    r = run(args.products, args.database_url, args.profile, args.sort)
    if not args.profile:
        ResultFile("cpu", r).write(f"{r['database']}-n{args.products}")
    stages = ", ".join(f"{k} {v:.0f}" for k, v in r["us_per_product"].items())
    print(f"cpu {r['database']} N={r['products']} @ {r['commit']}: {stages} µs/product; total "
          f"{r['total_us_per_product']:.0f} µs = {r['ratio_to_target_150us']} times the 150 µs target"
          f"{' (under cProfile)' if args.profile else ''}; load {r['load_average'][0]:.1f}; "
          f"host {host} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
