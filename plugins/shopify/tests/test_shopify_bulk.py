"""Bulk exports: the file streamed into pages equal to the ground truth, resumed at a line, restarted
when the export vanished, children joined even when they are not next to their product."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import responses
from claudery_shopify import plugin
from claudery_shopify.demo_store.testing import DemoStoreProcess
from shopify_truth import assert_same, record_product, truth_catalog

from hub.contract import ErrorKind, FetchRequest, PlatformError, PluginContext, ProductPage

BULK = {"SHOPIFY_BULK_THRESHOLD": 50, "SHOPIFY_BULK_POLL_INTERVAL": 0.02, "SHOPIFY_BULK_PAGE_SIZE": 60}


def setup(store: DemoStoreProcess, **settings: Any) -> tuple[dict[str, Any], PluginContext]:
    creds = plugin.normalize_credentials("shopify", {"shop": store.shop, "access_token": store.access_token})
    ctx = PluginContext(
        settings={
            "SHOPIFY_API_URL": store.base_url + "/shops/{shop}",
            "SHOPIFY_BACKOFF_BASE": 0.01,
            **BULK,
            **settings,
        }
    )
    return creds, ctx


def fetched(pages: list[ProductPage]) -> dict[str, dict[str, Any]]:
    return {p.id: record_product(p) for page in pages for p in page.products}


def started(store: DemoStoreProcess) -> int:
    return sum(
        n
        for (op, status, _c), n in store.admin.request_counts().items()
        if "HubBulkStart" in op and status == 200
    )


def test_bulk_export_equals_ground_truth_and_resumes_at_its_line(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=400, throttle=False, seed=21)
    creds, ctx = setup(store)
    pages = list(plugin.fetch_products("shopify", creds, FetchRequest(), ctx))
    truth = truth_catalog(store.admin.catalog())
    assert_same(fetched(pages), truth)
    assert (
        pages[0].products == [] and json.loads(pages[0].cursor)["mode"] == "bulk"
    )  # the operation, committed
    assert pages[-1].cursor is None and all(len(p.products) <= 60 for p in pages)
    assert max(len(p["variants"]) for p in truth.values()) >= 250  # nothing capped, no nested paging needed
    ops = store.admin.request_counts()
    assert not any("HubProducts" in op and "Count" not in op for (op, _s, _c) in ops)
    assert started(store) == 1

    # a worker killed after page 3: the same export's file is read again from the committed line
    rest = list(plugin.fetch_products("shopify", creds, FetchRequest(cursor=pages[3].cursor), ctx))
    assert started(store) == 1
    before = {p.id for page in pages[:4] for p in page.products}
    after = {p.id for page in rest for p in page.products}
    assert not before & after and before | after == set(truth)


def test_a_vanished_export_is_started_again(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=120, throttle=False, seed=22)
    creds, ctx = setup(store)
    cursor = json.dumps(
        {"v": 1, "mode": "bulk", "operation": "gid://shopify/BulkOperation/999999", "line": 40}
    )
    pages = list(plugin.fetch_products("shopify", creds, FetchRequest(cursor=cursor), ctx))
    assert started(store) == 1
    assert_same(fetched(pages), truth_catalog(store.admin.catalog()))


def test_missing_scope_fails_the_bulk_export_naming_it(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=60, throttle=False, scopes="read_inventory")
    creds, ctx = setup(store, SHOPIFY_BULK_THRESHOLD=1)
    with pytest.raises(PlatformError) as caught:
        list(plugin.fetch_products("shopify", creds, FetchRequest(), ctx))
    assert caught.value.kind is ErrorKind.SCOPE and "read_products" in caught.value.message


# ----- a file whose children are not next to their product (groupObjects: false) --------------------

URL = "https://my-store.myshopify.com/admin/api/2026-10/graphql.json"
FILE = "https://storage.example/bulk-1.jsonl"
BUCKET = {"maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100}
COST = {"cost": {"requestedQueryCost": 10, "actualQueryCost": 10, "throttleStatus": BUCKET}}


def product(n: int) -> dict[str, Any]:
    return {"id": f"gid://shopify/Product/{n}", "title": f"P{n}", "handle": f"p{n}", "vendor": "V", "status": "ACTIVE",
            "updatedAt": "2026-01-01T00:00:00Z", "tags": []}  # fmt: skip


def variant(n: int, k: int) -> dict[str, Any]:
    return {"id": f"gid://shopify/ProductVariant/{n}{k}", "sku": f"S{n}-{k}", "price": "1.00",
            "__parentId": f"gid://shopify/Product/{n}"}  # fmt: skip


@responses.activate
def test_children_after_their_product_was_yielded_are_refetched_by_id() -> None:
    lines = [product(1), variant(1, 1), product(2), variant(2, 1), variant(1, 2), product(3), variant(3, 1)]
    body = "\n".join(json.dumps(line).replace("/", "\\/") for line in lines) + "\n"
    responses.post(
        URL, json={"data": {"productsCount": {"count": 3, "precision": "EXACT"}}, "extensions": COST}
    )
    operation = "gid://shopify/BulkOperation/1"
    run = {"bulkOperation": {"id": operation, "status": "CREATED"}, "userErrors": []}
    responses.post(URL, json={"data": {"bulkOperationRunQuery": run}, "extensions": COST})
    done = {"id": operation, "status": "COMPLETED", "url": FILE}
    responses.post(URL, json={"data": {"node": done}, "extensions": COST})
    responses.get(FILE, body=body)
    complete = {
        **product(1),
        "variants": {"pageInfo": {"hasNextPage": False}, "nodes": [variant(1, 1), variant(1, 2)]},
    }
    responses.post(URL, json={"data": {"nodes": [complete]}, "extensions": COST})
    creds = {"shop": "my-store.myshopify.com", "access_token": "shpat_x", "api_version": "2026-10"}
    ctx = PluginContext(settings={**BULK, "SHOPIFY_BULK_THRESHOLD": 1, "SHOPIFY_BULK_PAGE_SIZE": 1})
    pages = list(plugin.fetch_products("shopify", creds, FetchRequest(), ctx))
    final: dict[str, list[str]] = {}
    for page in pages:
        for p in page.products:
            final[p.id] = sorted(v.id for v in p.variants)  # a later page upserts the earlier one
    assert final == {
        "gid://shopify/Product/1": ["gid://shopify/ProductVariant/11", "gid://shopify/ProductVariant/12"],
        "gid://shopify/Product/2": ["gid://shopify/ProductVariant/21"],
        "gid://shopify/Product/3": ["gid://shopify/ProductVariant/31"],
    }
    assert pages[-1].cursor is None and all(page.cursor for page in pages[:-1])
    assert "gid://shopify/Product/1" in json.loads(responses.calls[-1].request.body)["variables"]["ids"]
