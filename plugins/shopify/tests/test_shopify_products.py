"""The plugin against the Shopify demo store over real HTTP: what it fetches equals the ground truth.

Nested connections beyond their first page, throttling, faults, cost limits, malformed records,
incremental fetches, id listings, taxonomy and the client-credentials token, each checked exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from claudery_shopify import plugin
from claudery_shopify.demo_store.testing import DemoStoreProcess
from shopify_truth import assert_same, record_product, truth_catalog

from hub.contract import ErrorKind, FetchMode, FetchRequest, PlatformError, PluginContext, ProductPage

#: nested first pages small enough that many products need their own paging
SMALL_NESTED = {
    "SHOPIFY_VARIANTS_FIRST": 5,
    "SHOPIFY_MEDIA_FIRST": 2,
    "SHOPIFY_METAFIELDS_FIRST": 2,
    "SHOPIFY_COLLECTIONS_FIRST": 1,
}


def setup(store: DemoStoreProcess, **settings: Any) -> tuple[dict[str, Any], PluginContext]:
    creds = plugin.normalize_credentials("shopify", {"shop": store.shop, "access_token": store.access_token})
    return creds, context(store, **settings)


def context(store: DemoStoreProcess, saved: list | None = None, **settings: Any) -> PluginContext:
    return PluginContext(
        settings={
            "SHOPIFY_API_URL": store.base_url + "/shops/{shop}",
            "SHOPIFY_BACKOFF_BASE": 0.01,
            "SHOPIFY_BACKOFF_CAP": 0.05,
            **settings,
        },
        save_credentials=saved.append if saved is not None else (lambda _new: None),
    )


def fetch_all(creds: dict, ctx: PluginContext, request: FetchRequest | None = None) -> list[ProductPage]:
    return list(plugin.fetch_products("shopify", creds, request or FetchRequest(), ctx))


def fetched(pages: list[ProductPage]) -> dict[str, dict[str, Any]]:
    return {p.id: record_product(p) for page in pages for p in page.products}


def operations(store: DemoStoreProcess) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (operation, _status, code), n in store.admin.request_counts().items():
        key = f"{operation}:{code}" if code else operation
        totals[key] = totals.get(key, 0) + n
    return totals


def test_full_fetch_equals_ground_truth_with_nested_paging(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=300, throttle=False, seed=7)
    creds, ctx = setup(store, SHOPIFY_PAGE_SIZE=50, **SMALL_NESTED)
    pages = fetch_all(creds, ctx)
    truth = store.admin.catalog()
    assert_same(fetched(pages), truth_catalog(truth))
    assert not any(page.errors for page in pages)
    assert pages[0].total == 300 and pages[-1].cursor is None
    assert all(page.cursor for page in pages[:-1])
    biggest = max(len(p["variants"]) for p in truth["products"])
    assert biggest >= 250  # the catalog has a product with hundreds of variants: paged, not truncated
    ops = operations(store)
    for name in ("variants", "media", "metafields", "collections"):
        assert ops.get(f"query HubProduct_{name}", 0) > 0, ops
    assert sum(page.requests for page in pages) == sum(ops.values())


@pytest.mark.slow  # seconds of real throttling / retries
def test_throttled_fetch_waits_and_is_exact(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=500, seed=3, plan="standard")
    # a bucket of 300 points restoring 300 a second: pages of 100 cost more than that, so they must
    # shrink to fit it, and wait for refills
    store.admin.set_bucket(size=300, restore=300)
    creds, ctx = setup(store, SHOPIFY_PAGE_SIZE=100)
    store.admin.set_faults(throttle_next=3)  # and three THROTTLED answers whatever the bucket says
    pages = fetch_all(creds, ctx)
    assert_same(fetched(pages), truth_catalog(store.admin.catalog()))
    ops = operations(store)
    throttled = sum(n for key, n in ops.items() if key.endswith(":THROTTLED"))
    assert throttled >= 3
    assert sum(page.rate_limit_wait for page in pages) > 0
    # the cost model, not the throttle, paces the walk: few THROTTLED answers beyond the forced ones
    # (the first page, too big for this bucket, is answered THROTTLED and shrunk; 4 threads complete
    # nested connections and may meet an empty bucket now and then)
    requests = sum(page.requests for page in pages)
    assert throttled <= 3 + requests // 8, ops
    assert ops.get("query HubProducts:MAX_COST_EXCEEDED", 0) == 0


@pytest.mark.slow  # seconds of real throttling / retries
def test_faults_are_retried_and_the_result_is_exact(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(
        products=200, throttle=False, seed=5, error_rate=0.08, internal_error_rate=0.05, rate_429=0.05, drop_rate=0.04,
        retry_after_s=0.05,
    )  # fmt: skip
    creds, ctx = setup(store, SHOPIFY_PAGE_SIZE=25, SHOPIFY_MAX_RETRIES=10, **SMALL_NESTED)
    pages = fetch_all(creds, ctx)
    store.admin.set_faults(error_rate=0, internal_error_rate=0, rate_429=0, drop_rate=0)
    assert_same(fetched(pages), truth_catalog(store.admin.catalog()))
    ops = operations(store)
    assert any(key.endswith(":INTERNAL_SERVER_ERROR") for key in ops), ops


def test_a_query_over_the_cost_limit_is_shrunk_not_failed(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    # a lower single-query limit than Shopify's 1,000, so the plugin's default page goes over it
    store = shopify_demo_store_factory(products=120, seed=9, plan="plus", max_query_cost=150)
    creds, ctx = setup(
        store,
        SHOPIFY_PAGE_SIZE=250,
        SHOPIFY_VARIANTS_FIRST=250,
        SHOPIFY_MEDIA_FIRST=250,
        SHOPIFY_METAFIELDS_FIRST=250,
    )
    pages = fetch_all(creds, ctx)
    assert_same(fetched(pages), truth_catalog(store.admin.catalog()))
    assert operations(store).get("query HubProducts:MAX_COST_EXCEEDED", 0) >= 1


def test_malformed_products_are_record_errors_and_the_rest_exact(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=200, throttle=False, seed=4, malformed_rate=0.1)
    creds, ctx = setup(store, SHOPIFY_PAGE_SIZE=50)
    pages = fetch_all(creds, ctx)
    errors = {e.product_id: e.message for page in pages for e in page.errors}
    assert errors and all(pid and message for pid, message in errors.items())
    got = fetched(pages)
    want = truth_catalog(store.admin.catalog())
    assert set(got) | set(errors) == set(want) and not set(got) & set(errors)
    # broken HTML is repaired (control characters dropped), not an error: those products still compare
    assert_same(got, {pid: want[pid] for pid in got})
    assert all(p.description is None or "\x00" not in p.description for page in pages for p in page.products)


def test_incremental_returns_exactly_what_changed_since(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=150, throttle=False, seed=6)
    creds, ctx = setup(store, SHOPIFY_PAGE_SIZE=20)
    ids = store.admin.product_ids()
    since = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    while datetime.now(UTC) < since:
        pass
    changed = {ids[3], ids[50], ids[-1]}
    for pid in changed:
        store.admin.update_product(pid, title=f"Changed {pid[-4:]}")
    changed.add(store.admin.create_product(title="New one")["id"])
    pages = fetch_all(creds, ctx, FetchRequest(mode=FetchMode.INCREMENTAL, modified_since=since))
    got = fetched(pages)
    assert set(got) == changed
    want = truth_catalog(store.admin.catalog())
    assert_same(got, {pid: want[pid] for pid in changed})


def test_ids_listing_by_ids_and_taxonomy(shopify_demo_store_factory: Callable[..., DemoStoreProcess]) -> None:
    store = shopify_demo_store_factory(products=600, throttle=False, seed=8)
    creds, ctx = setup(store)
    assert list(plugin.list_product_ids("shopify", creds, ctx)) == store.admin.product_ids()
    truth = store.admin.catalog()
    want = truth_catalog(truth)
    some = sorted(want)[::37]
    store.admin.delete_product(some[0])
    pages = list(plugin.fetch_products_by_ids("shopify", creds, [*some, "gid://shopify/Product/1"], ctx))
    got = fetched(pages)
    assert set(got) == set(some[1:])
    assert_same(got, {pid: want[pid] for pid in some[1:]})
    categories = list(plugin.fetch_categories("shopify", creds, ctx))
    assert {c.id: c.name for c in categories} == {c["id"]: c["title"] for c in truth["collections"]}
    brands = list(plugin.fetch_brands("shopify", creds, ctx))
    vendors = {p["vendor"] for p in truth["products"] if p["id"] != some[0]}
    assert sorted(b.id for b in brands) == sorted(vendors) and all(b.id == b.name for b in brands)


def test_client_credentials_token_is_obtained_saved_and_renewed_when_it_expires_mid_fetch(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=200, throttle=False, seed=2, token_lifetime_s=3600)
    creds = plugin.normalize_credentials(
        "shopify", {"shop": store.shop, "client_id": store.client_id, "client_secret": store.client_secret}
    )
    saved: list = []
    ctx = context(store, saved, SHOPIFY_PAGE_SIZE=25)
    pages: list[ProductPage] = []
    for page in plugin.fetch_products("shopify", creds, FetchRequest(), ctx):
        pages.append(page)
        if len(pages) == 3:
            store.admin.advance_clock(7200)  # the token the plugin holds has expired on Shopify's side
    assert_same(fetched(pages), truth_catalog(store.admin.catalog()))
    assert len(saved) == 2 and saved[0]["access_token"] != saved[1]["access_token"]
    assert all(s["client_secret"] == store.client_secret and s["shop"] == creds["shop"] for s in saved)
    # the next run starts from the saved token: no new exchange while it is valid
    again = list(
        plugin.fetch_products(
            "shopify", saved[-1], FetchRequest(), context(store, saved, SHOPIFY_PAGE_SIZE=250)
        )
    )
    assert len(saved) == 2 and fetched(again).keys() == fetched(pages).keys()


def test_missing_read_products_scope_fails_the_fetch_naming_the_scope(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(products=20, throttle=False, scopes="read_inventory")
    creds, ctx = setup(store)
    with pytest.raises(PlatformError) as caught:
        fetch_all(creds, ctx)
    assert caught.value.kind is ErrorKind.SCOPE and "read_products" in caught.value.message
    result = plugin.test_connection("shopify", creds, ctx)
    assert not result.ok and result.error_kind is ErrorKind.SCOPE and "read_products" in result.message


def test_connection_reports_the_shop_and_warns_about_broad_scopes(
    shopify_demo_store_factory: Callable[..., DemoStoreProcess],
) -> None:
    store = shopify_demo_store_factory(
        products=42, throttle=False, scopes="read_products,write_products,read_orders"
    )
    creds, ctx = setup(store)
    result = plugin.test_connection("shopify", creds, ctx)
    assert result.ok, result
    assert result.store.product_count == 42 and result.store.currency and result.store.name
    assert result.store.details["Plan"] and "write_products" in result.store.details["Scopes"]
    assert (
        len(result.warnings) == 1
        and "write_products" in result.warnings[0]
        and "read_orders" in result.warnings[0]
    )
    assert store.access_token not in repr(result)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ("frozen", ErrorKind.UNAVAILABLE),
        ("locked", ErrorKind.UNAVAILABLE),
        ("token", ErrorKind.AUTH),
        ("shop", ErrorKind.NOT_FOUND),
    ],
)
def test_connection_failures_are_classified(
    shopify_demo_store: DemoStoreProcess,
    change: str,
    kind: ErrorKind,
) -> None:
    creds, ctx = setup(shopify_demo_store, SHOPIFY_MAX_RETRIES=0)
    if change in ("frozen", "locked"):
        shopify_demo_store.admin.set_state(change)
    elif change == "token":
        creds = {**creds, "access_token": "shpat_wrong0000"}
    else:
        creds = {**creds, "shop": "no-such-shop.myshopify.com"}
    result = plugin.test_connection("shopify", creds, ctx)
    assert not result.ok and result.error_kind is kind, result
    assert shopify_demo_store.access_token not in result.message
