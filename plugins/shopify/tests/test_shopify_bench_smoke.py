"""The Shopify fetch benchmark in a tiny configuration, so the `bench/` command keeps working."""

from __future__ import annotations

import json

import pytest


@pytest.mark.slow
def test_bench_shopify_sync_smoke(tmp_path, monkeypatch, capsys):
    from bench import bench_shopify_sync, common

    monkeypatch.setattr(common, "RESULTS_DIR", tmp_path)
    assert bench_shopify_sync.main(["--products", "300", "--plans", "standard,plus"]) == 0
    out = capsys.readouterr().out
    result = json.loads(next(tmp_path.glob("shopify-sync-n300-*.json")).read_text())
    size = result["sizes"]["300"]
    assert size["paging"]["products"] + size["paging"]["errors"] == 300 == size["bulk"]["products"]
    assert size["paging"]["actual_points"] > 0 and size["bulk"]["requests"] < size["paging"]["requests"]
    assert size["plans"]["standard"]["floor_s"] == 0  # 300 products fit in one Standard bucket
    assert "N=300 paging" in out and "N=300 bulk" in out
