"""The plugin against the real demo store (a separate process speaking HTTP like api.bigcommerce.com)."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from claudery_bigcommerce import plugin

from hub.contract import Category, ErrorKind, FetchRequest, PluginContext

testing = pytest.importorskip("claudery_bigcommerce.demo_store.testing")
SCOPE_INFO_ONLY = "store_v2_information_read_only"


@pytest.fixture(scope="module")
def store() -> Iterator[Any]:
    proc = testing.start_demo_store_process(
        products=620,
        quota=0,
        stores=[
            {"hash": "demo7x2k9q"},
            {"hash": "demo7x2k9q", "access_token": "infoonlytoken0001", "scopes": [SCOPE_INFO_ONLY]},
        ],
    )
    yield proc
    proc.stop()


def ctx(store: Any, **settings: Any) -> PluginContext:
    return PluginContext(
        settings={"BIGCOMMERCE_API_URL": store.base_url, "BIGCOMMERCE_BACKOFF_BASE": 0, **settings}
    )


def creds(store: Any, token: str | None = None) -> dict[str, Any]:
    return {"store_hash": store.store_hash, "access_token": token or store.access_token}


def test_connection_ok(store: Any) -> None:
    result = plugin.test_connection("bigcommerce", creds(store), ctx(store))
    assert result.ok, result.message
    assert result.store.product_count == 620 and result.store.name


def test_connection_wrong_token(store: Any) -> None:
    result = plugin.test_connection("bigcommerce", creds(store, "wrongtoken000000"), ctx(store))
    assert not result.ok and result.error_kind is ErrorKind.AUTH
    assert "wrongtoken000000" not in result.message


def test_connection_missing_products_scope(store: Any) -> None:
    result = plugin.test_connection("bigcommerce", creds(store, "infoonlytoken0001"), ctx(store))
    assert not result.ok and result.error_kind is ErrorKind.SCOPE
    assert "Products: read-only" in result.message


def test_connection_unknown_store_hash(store: Any) -> None:
    result = plugin.test_connection("bigcommerce", {**creds(store), "store_hash": "nosuch1"}, ctx(store))
    assert not result.ok and result.error_kind in (ErrorKind.NOT_FOUND, ErrorKind.AUTH, ErrorKind.SCOPE)
    assert "store hash" in result.message


def test_full_fetch_equals_ground_truth(store: Any) -> None:
    truth = store.admin.catalog()
    store.admin.reset_counts()
    pages = list(plugin.fetch_products("bigcommerce", creds(store), FetchRequest(), ctx(store)))
    products = {p.id: p for page in pages for p in page.products}
    assert not [e for page in pages for e in page.errors]
    expected = {str(p["id"]): p for p in truth["products"]}
    assert products.keys() == expected.keys()
    for pid, raw in expected.items():
        got = products[pid]
        assert got.name == html.unescape(raw["name"])  # entities decoded by the parser
        assert [v.id for v in got.variants] == [str(v["id"]) for v in raw["variants"]]
        assert [i.id for i in got.images] == [str(i["id"]) for i in raw["images"]]
        assert len(got.custom_fields) == len(raw["custom_fields"])
    assert sum(page.requests for page in pages) == 3  # ceil(620 / 250)
    assert pages[-1].cursor is None


def _categories_as_truth(raw: list[dict[str, Any]]) -> list[Category]:
    return [
        Category(
            id=str(c["id"]),
            name=html.unescape(c["name"]),
            parent_id=str(c["parent_id"]) if c["parent_id"] else None,
            url_path=c["custom_url"]["url"],
            is_visible=c["is_visible"],
        )
        for c in raw
    ]


def test_ids_categories_brands_equal_ground_truth(store: Any) -> None:
    truth = store.admin.catalog()
    ids = list(plugin.list_product_ids("bigcommerce", creds(store), ctx(store)))
    assert sorted(ids, key=int) == [str(p["id"]) for p in truth["products"]]
    store.admin.reset_counts()
    categories = list(plugin.fetch_categories("bigcommerce", creds(store), ctx(store)))
    assert categories == _categories_as_truth(truth["categories"])
    # the preferred listing (category trees) answered: one request, no fallback
    assert store.admin.request_counts() == {("GET /v3/catalog/trees/categories", 200): 1}
    brands = list(plugin.fetch_brands("bigcommerce", creds(store), ctx(store)))
    assert len(brands) == len(truth["brands"])


def test_categories_fall_back_to_the_legacy_listing_without_category_trees() -> None:
    proc = testing.start_demo_store_process(products=20, quota=0, category_trees=False)
    try:
        truth = proc.admin.catalog()["categories"]
        categories = list(plugin.fetch_categories("bigcommerce", creds(proc), ctx(proc)))
        assert categories == _categories_as_truth(truth)
        counts = proc.admin.request_counts()
        assert (
            counts[("GET /v3/catalog/trees/categories", 404)] == 1
            and counts[("GET /v3/catalog/categories", 200)] == 1
        )
    finally:
        proc.stop()


def test_truncated_subresources_are_completed() -> None:
    proc = testing.start_demo_store_process(products=60, quota=0, subresource_limit=1)
    try:
        truth = {str(p["id"]): p for p in proc.admin.catalog()["products"]}
        settings = {"BIGCOMMERCE_SUBRESOURCE_LIMIT": 1}
        pages = list(plugin.fetch_products("bigcommerce", creds(proc), FetchRequest(), ctx(proc, **settings)))
        for page in pages:
            for product in page.products:
                assert len(product.variants) == len(truth[product.id]["variants"])
                assert len(product.images) == len(truth[product.id]["images"])
    finally:
        proc.stop()


def test_fetch_is_exact_under_churn_and_rate_limit() -> None:
    proc = testing.start_demo_store_process(
        products=900, quota=40, window_ms=2000, paging_changes={"enabled": True, "every": 1, "max_rounds": 3}
    )
    try:
        before = {str(p["id"]) for p in proc.admin.catalog()["products"]}
        pages = list(plugin.fetch_products("bigcommerce", creds(proc), FetchRequest(), ctx(proc)))
        after = {str(p["id"]) for p in proc.admin.catalog()["products"]}
        got = {p.id for page in pages for p in page.products}
        assert before & after <= got  # every product that existed throughout was yielded
        counts = proc.admin.request_counts()
        assert not any(status == 429 for (_, status) in counts)
    finally:
        proc.stop()


def test_fetch_products_by_ids_returns_exactly_those_that_exist(store: Any) -> None:
    truth = {str(p["id"]): p for p in store.admin.catalog()["products"]}
    wanted = sorted(truth, key=int)[:3] + sorted(truth, key=int)[-300:] + ["999999999"]
    pages = list(plugin.fetch_products_by_ids("bigcommerce", creds(store), wanted, ctx(store)))
    got = [p.id for page in pages for p in page.products]
    assert sorted(got, key=int) == sorted(set(wanted) - {"999999999"}, key=int)
    assert len(pages) == 2 and sum(page.requests for page in pages) == 2  # 250 ids per request
