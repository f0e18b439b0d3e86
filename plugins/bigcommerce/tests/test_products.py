"""Product fetch: paging by key, concurrency, resume, changes during the fetch, malformed records."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API = "https://api.bigcommerce.com"
HASH = "abc123"
TOKEN = "sekrittoken123456"
PRODUCTS_URL = f"{API}/stores/{HASH}/v3/catalog/products"


def make_product(pid: int, **over: Any) -> dict[str, Any]:
    """A product as BigCommerce sends it with include=variants,images,custom_fields."""
    product = {
        "id": pid,
        "name": f"Product {pid}",
        "sku": f"SKU-{pid}",
        "description": "<p>Nice</p>",
        "price": 7.95,
        "sale_price": 0,
        "is_visible": True,
        "availability": "available",
        "inventory_level": 3,
        "inventory_tracking": "none",
        "categories": [23, 21],
        "brand_id": 0,
        "custom_url": {"url": f"/product-{pid}/", "is_customized": False},
        "date_created": "2018-08-15T14:48:46+00:00",
        "date_modified": "2018-09-05T20:42:07+00:00",
        "variants": [{"id": pid * 10, "product_id": pid, "sku": "", "price": 7.95, "option_values": []}],
        "images": [],
        "custom_fields": [],
    }
    product.update(over)
    return product


class FakeStore:
    """Serves ``GET /v3/catalog/products`` with the filters the plugin uses; counts requests."""

    def __init__(
        self, ids: list[int], *, on_request: Callable[[FakeStore, dict[str, str]], None] | None = None
    ):
        self.products = {pid: make_product(pid) for pid in ids}
        self.requests: list[dict[str, str]] = []
        self.on_request = on_request
        self.ignore_id_filter = False
        self.lock = threading.Lock()

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        params = dict(parse_qsl(urlsplit(request.url).query))
        with self.lock:
            self.requests.append(params)
            if self.on_request:
                self.on_request(self, params)
            items = sorted(self.products.values(), key=lambda p: p["id"])
            if not self.ignore_id_filter:
                if "id:greater" in params:
                    items = [p for p in items if p["id"] > int(params["id:greater"])]
                if "id:less" in params:
                    items = [p for p in items if p["id"] < int(params["id:less"])]
            if params.get("direction") == "desc":
                items.reverse()
            limit = int(params.get("limit", 50))
            page = int(params.get("page", 1))
            chunk = items[(page - 1) * limit : page * limit]
            if params.get("include_fields") == "id":
                chunk = [{"id": p["id"]} for p in chunk]
            body = {
                "data": chunk,
                "meta": {
                    "pagination": {
                        "total": len(items),
                        "count": len(chunk),
                        "per_page": limit,
                        "current_page": page,
                        "total_pages": max(1, math.ceil(len(items) / limit)),
                        "links": {},
                    }
                },
            }
        headers = {"x-rate-limit-requests-left": "9000", "X-Rate-Limit-Time-Reset-Ms": "30000",
                   "X-Rate-Limit-Requests-Quota": "10000", "X-Rate-Limit-Time-Window-Ms": "30000"}  # fmt: skip
        return 200, headers, json.dumps(body)


# ---------------------------------------------------------------------------------------------------
from datetime import UTC, datetime  # noqa: E402

import pytest  # noqa: E402
import responses  # noqa: E402
from claudery_bigcommerce import plugin  # noqa: E402
from claudery_bigcommerce.cursor import FetchCursor  # noqa: E402
from claudery_bigcommerce.products import format_since  # noqa: E402

from hub.contract import ErrorKind, FetchMode, FetchRequest, PlatformError, PluginContext  # noqa: E402

CREDS = {"store_hash": HASH, "access_token": TOKEN}


def ctx(stop: Callable[[], bool] = lambda: False, **settings: Any) -> PluginContext:
    base = {"BIGCOMMERCE_BACKOFF_BASE": 0, "BIGCOMMERCE_PAGE_SIZE": 10, "BIGCOMMERCE_MAX_CONCURRENCY": 4}
    return PluginContext(settings={**base, **settings}, user_agent="test", should_stop=stop)


def fetch(
    store: FakeStore, request: FetchRequest | None = None, context: PluginContext | None = None
) -> list:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=store)
        return list(plugin.fetch_products("bigcommerce", CREDS, request or FetchRequest(), context or ctx()))


def ids_of(pages: list) -> list[str]:
    return [p.id for page in pages for p in page.products]


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 95, 100, 101, 257])
def test_full_fetch_yields_every_product_once_with_no_wasted_request(n: int) -> None:
    store = FakeStore(list(range(3, 3 + 2 * n, 2)))  # odd ids: gaps between ids
    pages = fetch(store)
    got = ids_of(pages)
    assert sorted(got, key=int) == [str(i) for i in sorted(store.products)]
    assert len(got) == len(set(got))
    assert len(store.requests) == max(1, -(-n // 10))  # ceil(N / page size): nothing wasted
    assert sum(p.requests for p in pages) == len(store.requests)
    assert pages[-1].cursor is None and all(p.cursor for p in pages[:-1])
    assert all(p.total == n for p in pages)
    assert all(r["limit"] == "10" and r["include"] == "variants,images,custom_fields" for r in store.requests)
    assert all(r["sort"] == "id" for r in store.requests)


def test_resume_from_each_cursor_yields_exactly_the_rest() -> None:
    store = FakeStore(list(range(1, 96)))
    pages = fetch(store)
    seen: set[str] = set()
    for page in pages[:-1]:
        seen |= {p.id for p in page.products}
        rest = ids_of(fetch(store, FetchRequest(cursor=page.cursor)))
        assert seen | set(rest) == {str(i) for i in range(1, 96)}
        assert not seen & set(rest)  # exact: nothing yielded twice after a clean resume


def test_cursor_is_plain_json_and_bad_cursor_restarts() -> None:
    store = FakeStore(list(range(1, 31)))
    first = fetch(store)[0]
    assert FetchCursor.decode(first.cursor) == FetchCursor(after=0, before=21, total=30)
    assert sorted(ids_of(fetch(store, FetchRequest(cursor="garbage"))), key=int) == [
        str(i) for i in range(1, 31)
    ]


def test_deletions_and_additions_during_the_fetch_lose_nothing() -> None:
    original = list(range(1, 201))
    deleted: set[int] = set()

    def churn(s: FakeStore, params: dict[str, str]) -> None:
        if len(s.requests) in (3, 5, 8):  # delete low ids and add new ones while pages are in flight
            for pid in sorted(s.products)[:3]:
                deleted.add(pid)
                del s.products[pid]
            top = max(s.products)
            for pid in range(top + 1, top + 4):
                s.products[pid] = make_product(pid)

    store = FakeStore(original, on_request=churn)
    got = set(ids_of(fetch(store)))
    survivors = {str(i) for i in original if i not in deleted}
    assert survivors <= got


def test_deletion_in_the_middle_triggers_a_key_restart() -> None:
    def churn(s: FakeStore, params: dict[str, str]) -> None:
        if len(s.requests) == 4:
            s.products.pop(15, None)

    store = FakeStore(list(range(1, 101)), on_request=churn)
    got = set(ids_of(fetch(store, context=ctx(BIGCOMMERCE_MAX_CONCURRENCY=1))))
    assert {str(i) for i in range(1, 101) if i != 15} <= got
    assert any(
        "id:greater" in r and "page" not in r and r.get("direction") == "asc" for r in store.requests[2:]
    )


def test_a_filter_that_does_not_advance_ends_with_an_error() -> None:
    store = FakeStore(list(range(1, 51)))
    store.ignore_id_filter = True
    with pytest.raises(PlatformError) as err:
        fetch(store, FetchRequest(cursor=FetchCursor(after=20, before=40).encode()))
    assert err.value.kind is ErrorKind.UNKNOWN and "loop" in err.value.message


def test_platform_ignoring_direction_falls_back_to_ascending_key_paging() -> None:
    store = FakeStore(list(range(1, 36)))
    original = store.__call__

    def no_desc(request: Any) -> Any:
        request.url = request.url.replace("direction=desc", "direction=asc")
        return original(request)

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=no_desc)
        got = ids_of(list(plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx())))
    assert sorted(got, key=int) == [str(i) for i in range(1, 36)]


def test_incremental_uses_date_filter_and_pages_by_key() -> None:
    store = FakeStore(list(range(1, 46)))
    since = datetime(2025, 1, 15, 0, 3, 17, 900000, tzinfo=UTC)
    got = ids_of(fetch(store, FetchRequest(mode=FetchMode.INCREMENTAL, modified_since=since)))
    assert len(got) == 45
    assert all(r["date_modified:min"] == "2025-01-15T00:03:17Z" for r in store.requests)
    assert all("page" not in r for r in store.requests)
    assert format_since(datetime(2025, 1, 15, 1, 2, 3)) == "2025-01-15T01:02:03Z"


def test_malformed_records_become_record_errors_and_the_fetch_goes_on() -> None:
    store = FakeStore(list(range(1, 26)))
    store.products[3]["name"] = None
    store.products[5]["price"] = "cheap"
    store.products[7]["categories"] = "23"
    store.products[9]["variants"] = [{"sku": "no id"}, {"id": 91, "price": None}]
    pages = fetch(store)
    errors = {e.product_id: e.message for page in pages for e in page.errors}
    assert errors["3"] == "Has no name in BigCommerce — give it a name in the control panel, then sync again."
    assert "price" in errors["5"] and "categories" in errors["7"]
    assert "variant #1" in errors["9"]
    got = ids_of(pages)
    assert "3" not in got and "9" in got and len(got) == 22


def test_records_are_parsed_into_contract_types() -> None:
    store = FakeStore([174])
    store.products[174].update(
        price=10, sale_price=8.5, brand_id=36, custom_fields=[{"id": 1, "name": "Material", "value": ""}],
        images=[{"id": 425, "url_standard": "https://cdn/x.jpg", "is_thumbnail": True, "sort_order": 0}],
        variants=[{"id": 345, "sku": "V1", "price": None, "sale_price": 0, "inventory_level": 4,
                   "option_values": [{"label": "Beige", "option_display_name": "Color"}], "image_url": ""}],
    )  # fmt: skip
    (product,) = ids_of_products = [p for page in fetch(store) for p in page.products]
    assert ids_of_products
    assert (product.id, product.price, product.sale_price, product.brand_id) == ("174", "10.00", "8.50", "36")
    assert product.category_ids == ["23", "21"] and product.url_path == "/product-174/"
    assert product.date_modified == datetime(2018, 9, 5, 20, 42, 7, tzinfo=UTC)
    (variant,) = product.variants
    assert (variant.id, variant.price, variant.sale_price, variant.image_url) == ("345", None, None, None)
    assert variant.option_values == [{"option": "Color", "value": "Beige"}]
    assert product.images[0].id == "425" and product.custom_fields[0].value == ""
    assert product.raw["id"] == 174


def test_truncated_subresources_are_completed_per_product_only() -> None:
    store = FakeStore(list(range(1, 13)))
    full = [{"id": 1000 + i, "sku": f"v{i}", "price": 1} for i in range(5)]
    store.products[4]["variants"] = full[:3]  # cut at the limit
    del store.products[6]["images"]  # include ignored for this product
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=store)
        rsps.get(f"{PRODUCTS_URL}/4/variants", json={"data": full, "meta": {"pagination": {"total": 5}}})
        rsps.get(f"{PRODUCTS_URL}/6/images", status=204)
        pages = list(
            plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx(BIGCOMMERCE_SUBRESOURCE_LIMIT=3))
        )
        sub_calls = [
            c.request.url for c in rsps.calls if "/variants" in c.request.url or "/images" in c.request.url
        ]
    products = {p.id: p for page in pages for p in page.products}
    assert len(products["4"].variants) == 5 and products["6"].images == []
    assert len(sub_calls) == 2
    assert sum(p.requests for p in pages) == len(store.requests) + 2


def test_401_stops_at_once() -> None:
    with responses.RequestsMock() as rsps:
        rsps.get(PRODUCTS_URL, status=401, body="Unauthorized")
        with pytest.raises(PlatformError) as err:
            list(plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx()))
        assert len(rsps.calls) == 1
    assert err.value.kind is ErrorKind.AUTH and TOKEN not in err.value.message


def test_403_in_a_worker_stops_the_fetch() -> None:
    store = FakeStore(list(range(1, 101)))

    def deny_late_pages(s: FakeStore, params: dict[str, str]) -> None:
        if params.get("page") == "5":
            raise _Deny

    class _Deny(Exception):
        pass

    def callback(request: Any) -> Any:
        try:
            return store(request)
        except _Deny:
            return 403, {}, '{"status":403,"title":"You don\'t have a required scope to access the endpoint"}'

    store.on_request = deny_late_pages
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=callback)
        with pytest.raises(PlatformError) as err:
            list(plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx()))
    assert err.value.kind is ErrorKind.SCOPE and "Products: read-only" in err.value.message


def test_transient_errors_and_429_are_retried() -> None:
    store = FakeStore(list(range(1, 31)))
    script = iter(
        [(503, {}, "<html>busy</html>"), (429, {"X-Rate-Limit-Time-Reset-Ms": "1"}, "{}"), (429, {}, "")]
    )

    def flaky(request: Any) -> Any:
        return next(script, None) or store(request)

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=flaky)
        pages = list(plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx()))
    assert len(ids_of(pages)) == 30
    assert sum(p.requests for p in pages) == len(store.requests) + 3
    assert sum(p.throttled for p in pages) == 2  # both 429 answers are reported to the hub


def test_should_stop_is_honoured_and_no_thread_leaks() -> None:
    store = FakeStore(list(range(1, 301)))
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return len(store.requests) >= 5

    before = threading.active_count()
    pages = fetch(store, context=ctx(stop))
    assert len(pages) < 30
    assert len(store.requests) <= 5 + 4 * 3  # workers stop promptly
    assert threading.active_count() == before


def test_closing_the_generator_stops_workers() -> None:
    store = FakeStore(list(range(1, 301)))
    before = threading.active_count()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=store)
        gen = plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx())
        next(gen)
        next(gen)
        gen.close()
    assert threading.active_count() == before
    assert len(store.requests) < 30


def test_the_range_is_requested_before_the_top_page_is_handed_over() -> None:
    """The platform's latency for the next pages overlaps the hub's work on the first one."""
    store = FakeStore(list(range(1, 101)))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, PRODUCTS_URL, callback=store)
        gen = plugin.fetch_products("bigcommerce", CREDS, FetchRequest(), ctx())
        top = next(gen)  # the generator is suspended from here until the next page is asked for
        deadline = time.monotonic() + 10.0
        while len(store.requests) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        asked = list(store.requests)
        rest = list(gen)
    assert sorted(int(p.id) for p in top.products) == list(range(91, 101))  # the top page: highest ids
    assert [r["direction"] for r in asked] == ["desc", "asc", "asc", "asc", "asc"]  # 4 workers in flight
    assert sorted(ids_of(rest), key=int) == [str(i) for i in range(1, 91)]
    assert len(store.requests) == 10  # still nothing wasted


def test_concurrent_pages_each_id_exactly_once_across_workers() -> None:
    store = FakeStore(list(range(1, 1001)))
    pages = fetch(store, context=ctx(BIGCOMMERCE_MAX_CONCURRENCY=8))
    got = ids_of(pages)
    assert len(got) == 1000 == len(set(got))
    assert len(store.requests) == 100
    pages_asked = sorted(int(r.get("page", 1)) for r in store.requests if r["direction"] == "asc")
    assert pages_asked == list(range(1, 100))
