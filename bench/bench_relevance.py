"""Relevance benchmark: precision@5 and zero-result rate of the widget search over a fixed catalog.

Loads ``bench.relevance.catalog`` through the sync engine's own upsert (the search indexes are filled by
their triggers) and answers every query of ``bench.relevance.queries`` before (the keyword search of
``bench.legacy_search``) and after issue 16 (``hub.widget.search.find`` with default preferences).
precision@5 per query is the share of the first five results (fewer if fewer came) that are expected,
0 when nothing came; recall@5 the expected products among the first five out of min(5, expected); the
figures are means over the queries. The zero-result rate is the share of queries answered with
nothing (every query has an answer in the catalog). Run it on SQLite (default) and PostgreSQL:

    .venv/bin/python -m bench.bench_relevance [--database-url postgresql+psycopg://...] [--details]
        [--record tests/search_relevance_answers.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BENCH_KEY, redact_url, work_dir  # noqa: E402


def precision_at_5(found: list[str], expected: frozenset[str]) -> float:
    """The share of the first five results (or fewer, if fewer came) that are expected; 0 for none."""
    top = found[:5]
    return len([pid for pid in top if pid in expected]) / len(top) if top else 0.0


def recall_at_5(found: list[str], expected: frozenset[str]) -> float:
    """Expected products among the first five, out of as many as could be there."""
    return len([pid for pid in found[:5] if pid in expected]) / min(5, len(expected))


def main(argv: list[str] | None = None) -> int:
    """Load the catalog, answer the queries both ways, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--details", action="store_true", help="print each query's results")
    parser.add_argument(
        "--record", help="write the after answers as JSON here (tests/search_relevance_answers.json)"
    )
    args = parser.parse_args(argv)

    from flask_migrate import downgrade, upgrade

    from bench import legacy_search
    from bench.relevance.catalog import BRANDS, CATEGORIES, products
    from bench.relevance.queries import CASES
    from hub import create_app
    from hub.contract import Brand, Category
    from hub.extensions import db
    from hub.models import Site, User
    from hub.models.base import utcnow
    from hub.sync import ingest
    from hub.widget.search import SearchOptions, find

    workdir = work_dir("bench-relevance-")
    url = args.database_url or f"sqlite:///{workdir / 'hub.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-" + "x" * 16,
                      "HUB_ENCRYPTION_KEYS": BENCH_KEY, "INSTANCE_PATH": str(workdir / "instance"),
                      "HUB_PLUGINS_AUTOLOAD": "0", "REDIS_URL": ""})  # fmt: skip
    print(f"database: {redact_url(url)}; {len(CASES)} queries over {len(products())} products")
    with app.app_context():
        if args.database_url:
            downgrade(revision="base")
        upgrade()
        user = User(email="bench@example.com")
        user.set_password("bench-password-123")
        db.session.add(user)
        db.session.flush()
        site = Site(owner_id=user.id, name="Relevance", store_info={"currency": "USD"})
        db.session.add(site)
        db.session.commit()
        ingest.replace_taxonomy(db.session, site.id, [Category(id=i, name=n) for i, n in CATEGORIES],
                                [Brand(id=i, name=n) for i, n in BRANDS])  # fmt: skip
        ingest.ingest_products(db.session, site.id, 1, products(), utcnow())
        db.session.commit()

        def before(case):
            rows = legacy_search.search_products(
                db.session, site.id, case.query, legacy_search.SearchOptions()
            )
            return [p.platform_id for p, _ in rows]

        def after(case):
            answer = find(
                db.session, site.id, case.query, SearchOptions(), currency="USD", partial=case.partial
            )
            return [p.platform_id for p, _ in answer.rows]

        if args.record:
            answers = {case.query: after(case) for case in CASES}
            Path(args.record).write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n")
        for label, search in (("before", before), ("after", after)):
            scores, recalls, zero, by_kind = [], [], 0, defaultdict(list)
            for case in CASES:
                found = search(case)
                score = precision_at_5(found, case.expected)
                scores.append(score)
                recalls.append(recall_at_5(found, case.expected))
                by_kind[case.kind].append(score)
                zero += not found
                if args.details:
                    print(f"  {label:6} {score:.2f} {case.query!r}: {found}")
            kinds = ", ".join(f"{k} {sum(v) / len(v):.2f}" for k, v in by_kind.items())
            print(f"{label}: precision@5 {sum(scores) / len(scores):.3f}; recall@5 "
                  f"{sum(recalls) / len(recalls):.3f}; zero-result rate "
                  f"{zero / len(CASES):.3f} ({zero}/{len(CASES)}); by kind: {kinds}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
