"""The sync benchmark in a tiny configuration, so CI keeps the `bench/` command working."""

from __future__ import annotations

import json

import pytest


def test_floor_is_windows_plus_last_latency_not_requests_over_rate():
    from bench.bench_sync import Scenario, Window, floors

    standard = floors(Scenario(100_000, "standard", 100, 20, 4, 0.8), requests=400)
    # share: 120 a window (30 left to other apps) -> 4 windows, 40 in the last: 3 x 30 s + 40 x 0.1 s / 4
    assert standard["floor_share_s"] == pytest.approx(91.0)
    assert standard["floor_full_s"] == pytest.approx(62.5)  # 150 a window: 2 x 30 s + 100 x 0.1 s / 4
    pro = floors(Scenario(10_000, "pro", 100, 20, 4, 0.8), requests=43)
    assert pro["floor_share_s"] == pytest.approx(1.075) and pro["latency_floor_s"] == pytest.approx(1.0)
    # a window found half used, resetting in 12 s: 45 left for the hub now, then 120 per window
    late = floors(Scenario(100_000, "standard", 100, 20, 4, 0.8), Window(75, 12.0), requests=400)
    assert late["floor_share_s"] == pytest.approx(12.0 + 2 * 30 + 115 * 0.1 / 4)
    assert floors(Scenario(10_000, "unlimited", 100, 20, 4, 0.8))["floor_share_s"] == pytest.approx(1.0)


@pytest.mark.slow
def test_bench_sync_smoke(tmp_path, monkeypatch, capsys):
    from bench import bench_sync

    # An isolated SQLite file: the benchmark must not write into the test database.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BENCH_POSTGRES_URL", raising=False)
    code = bench_sync.main(
        [
            "--products", "1000", "--latency-ms", "5", "--jitter-ms", "1", "--quota", "pro",
            "--ingest-products", "500", "--results-dir", str(tmp_path / "results"),
            "--database-url", f"sqlite:///{tmp_path / 'bench.sqlite3'}",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    sync = json.loads(next((tmp_path / "results").glob("sync-n1000-pro-*.json")).read_text())
    full, incr = sync["full"], sync["incremental"]
    assert full["state"] == "succeeded" and full["catalog_equal"] is True
    assert full["requests_products"] == full["R"] == 4
    assert full["worker_peak_rss_mb"] > 0 and full["wall_s"] > 0
    assert incr["state"] == "succeeded" and incr["catalog_equal"] is True
    assert incr["requests_products"] <= incr["target_max_requests"]
    ingest = json.loads(next((tmp_path / "results").glob("ingest-sqlite-*.json")).read_text())
    assert ingest["passes"][0]["created"] == ingest["products"] == 500
    assert "== summary" in out and "sync N=1000 pro" in out and "ingest sqlite" in out


def test_streamed_comparison_matches_the_exact_one(connected_site, tmp_path):
    """The bounded-memory comparison the large benchmark uses sees what the exact test helper sees."""
    from bench.common import compare_catalog
    from hub.extensions import db
    from hub.models import Product
    from hub.models.base import utcnow
    from hub.sync import ingest
    from tests.sync_support import stored_catalog, truth_catalog

    app, site_id, store = connected_site(products=300, quota=0, seed=3)
    truth = store.admin.catalog()
    with app.app_context():
        from claudery_bigcommerce.parsing import parse_product

        from hub.contract import Brand, Category

        products = [
            parse_product({k: v for k, v in p.items() if k != "primary_image"})[0] for p in truth["products"]
        ]
        ingest.replace_taxonomy(
            db.session,
            site_id,
            [Category(str(c["id"]), c["name"], str(c["parent_id"]) or None) for c in truth["categories"]],
            [Brand(str(b["id"]), b["name"]) for b in truth["brands"]],
        )
        ingest.ingest_products(db.session, site_id, 1, products, utcnow())
        db.session.commit()
    assert stored_catalog(app, site_id) == truth_catalog(truth)
    assert compare_catalog(app, site_id, store, chunk=64).equal

    with app.app_context():  # one wrong price: both must see it
        product = db.session.query(Product).filter_by(site_id=site_id).first()
        product.price = "123456.78"
        db.session.commit()
    result = compare_catalog(app, site_id, store, chunk=64)
    assert not result.equal and result.different == 1
