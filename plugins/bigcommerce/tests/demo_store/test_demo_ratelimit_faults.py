"""Rate limiting (headers, 429, recovery) and each injected fault at roughly its configured rate."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

RATE_HEADERS = ("X-Rate-Limit-Requests-Left", "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Time-Reset-Ms",
                "X-Rate-Limit-Time-Window-Ms")  # fmt: skip
Client = Any


def test_rate_limit_headers_on_every_response(make_server, make_client) -> None:
    client = make_client(make_server(products=10))
    for path in ("/v3/catalog/products", "/v3/catalog/summary", "/v2/store", "/v3/catalog/products/1"):
        r = client.get(path)
        assert all(h in r.headers for h in RATE_HEADERS), path
    assert all(h in client.get("/v3/catalog/products", token="bad").headers for h in RATE_HEADERS)
    r = client.get("/v3/catalog/products")
    assert r.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert r.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert 0 < int(r.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30000


def test_quota_exhaustion_429_and_recovery(make_server, make_client) -> None:
    # A 3 s window: the six requests below fit in it on a slow machine too (waiting out the reset costs <= 3 s).
    client = make_client(make_server(products=10, quota=5, window_ms=3000))
    lefts = [int(client.get("/v3/catalog/products").headers["X-Rate-Limit-Requests-Left"]) for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    r = client.get("/v3/catalog/products")
    assert r.status_code == 429
    assert r.json() == {"status": 429, "title": "Too many requests",
                        "type": "/api-docs/getting-started/api-status-codes", "errors": {}}  # fmt: skip
    assert r.headers["X-Rate-Limit-Requests-Left"] == "0" and "X-Retry-After" in r.headers
    time.sleep(int(r.headers["X-Rate-Limit-Time-Reset-Ms"]) / 1000 + 0.05)
    r = client.get("/v3/catalog/products")
    assert r.status_code == 200 and r.headers["X-Rate-Limit-Requests-Left"] == "4"


def test_quota_is_per_store_and_shared_by_accounts(make_server, make_client) -> None:
    server = make_server(products=5, quota=2, stores=[
        {"hash": "aaa", "access_token": "t1"}, {"hash": "aaa", "access_token": "t2"},
        {"hash": "bbb", "access_token": "t3"}])  # fmt: skip
    a1, a2, b = (
        make_client(server, "t1", "aaa"),
        make_client(server, "t2", "aaa"),
        make_client(server, "t3", "bbb"),
    )
    assert a1.get("/v3/catalog/products").status_code == 200
    assert a2.get("/v3/catalog/products").status_code == 200
    assert a1.get("/v3/catalog/products").status_code == 429
    assert b.get("/v3/catalog/products").status_code == 200


def test_unlimited_quota_still_sends_headers(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0))
    for _ in range(200):
        r = client.get("/v3/catalog/summary")
    assert r.status_code == 200 and int(r.headers["X-Rate-Limit-Requests-Left"]) > 1000


def test_quota_changes_at_run_time(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0))
    client.admin("PUT", "quota", {"quota": 1, "window_ms": 60000})
    assert client.get("/v3/catalog/summary").status_code == 200
    assert client.get("/v3/catalog/summary").status_code == 429
    client.admin("POST", "quota/reset")
    assert client.get("/v3/catalog/summary").status_code == 200


def _statuses(client: Client, n: int) -> list[int]:
    out = []
    for _ in range(n):
        try:
            out.append(client.get("/v3/catalog/summary").status_code)
        except requests.ConnectionError:
            out.append(0)
            client.session = requests.Session()
    return out


def test_error_rate_and_gateway_html(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0, error_rate=0.3, seed=1))
    statuses = _statuses(client, 300)
    errors = [s for s in statuses if s >= 500]
    assert 0.2 < len(errors) / 300 < 0.4
    assert set(errors) == {500, 502, 503, 504}
    client.admin("PUT", "faults", {"error_rate": 1.0, "error_statuses": [502]})
    r = client.get("/v3/catalog/summary")
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html") and "<html>" in r.text
    client.admin("PUT", "faults", {"error_statuses": [503]})
    assert client.get("/v3/catalog/summary").json()["title"] == "Service Unavailable"
    client.admin("PUT", "faults", {"error_rate": 0})
    assert _statuses(client, 20) == [200] * 20


def test_dropped_connections(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0))
    client.admin("PUT", "faults", {"drop_rate": 0.25})
    statuses = _statuses(client, 200)
    assert 0.15 < statuses.count(0) / 200 < 0.35
    counts = client.admin("GET", "requests").json()["data"]
    assert any(row["status"] == 0 for row in counts)


def test_bare_429_has_no_rate_headers(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0, bare_429_rate=0.5))
    seen = []
    for _ in range(100):
        r = client.get("/v3/catalog/summary")
        seen.append(r.status_code)
        if r.status_code == 429:
            assert not any(h in r.headers for h in RATE_HEADERS)
    assert 30 < seen.count(429) < 70


def test_latency_and_slow_responses(make_server, make_client) -> None:
    client = make_client(make_server(products=5, quota=0))
    client.admin("PUT", "latency", {"latency_ms": 60, "jitter_ms": 10})
    t = time.perf_counter()
    for _ in range(5):
        client.get("/v3/catalog/summary")
    assert (time.perf_counter() - t) / 5 >= 0.045
    client.admin("PUT", "faults", {"latency_ms": 0, "jitter_ms": 0, "slow_rate": 1.0, "slow_ms": 300})
    t = time.perf_counter()
    r = client.get("/v3/catalog/products", limit=5)
    assert r.status_code == 200 and len(r.json()["data"]) == 5 and time.perf_counter() - t >= 0.25


def test_malformed_records_are_stable_and_ground_truth_is_clean(make_server, make_client) -> None:
    client = make_client(make_server(products=200, quota=0, malformed_rate=0.1))
    data = client.get("/v3/catalog/products", limit=250).json()["data"]
    bad = [
        p
        for p in data
        if p["name"] is None or isinstance(p["price"], str) or isinstance(p["categories"], str)
    ]
    assert 5 <= len(bad) <= 40
    again = client.get("/v3/catalog/products", limit=250).json()["data"]
    assert [p["id"] for p in again if p["name"] is None] == [p["id"] for p in bad if p["name"] is None]
    truth = client.admin("GET", f"stores/{client.store_hash}/catalog").json()["products"]
    assert all(isinstance(p["name"], str) and not isinstance(p["price"], str) for p in truth)


@pytest.mark.parametrize("pages", [4])
def test_paging_changes_are_recorded_and_truth_matches(make_server, make_client, pages: int) -> None:
    client = make_client(make_server(products=100, quota=0))
    client.admin("PUT", "faults", {"paging_changes": {"enabled": True, "delete": 2, "add": 3, "modify": 2}})
    before = client.admin("GET", f"stores/{client.store_hash}/catalog").json()
    seen: dict[int, dict] = {}
    for page in range(1, pages + 1):
        for p in client.get("/v3/catalog/products", limit=25, page=page).json()["data"]:
            seen[p["id"]] = p
    changes = client.admin("GET", f"stores/{client.store_hash}/changes").json()["data"]
    kinds = [c["kind"] for c in changes]
    assert kinds.count("deleted") == 2 * pages and kinds.count("created") == 3 * pages
    assert kinds.count("updated") == 2 * pages
    truth = client.admin("GET", f"stores/{client.store_hash}/catalog").json()
    expected = {p["id"] for p in before["products"]}
    for change in changes:
        if change["kind"] == "deleted":
            expected.discard(change["product_id"])
        elif change["kind"] == "created":
            expected.add(change["product_id"])
    assert {p["id"] for p in truth["products"]} == expected == set(client.admin(
        "GET", f"stores/{client.store_hash}/ids").json()["data"])  # fmt: skip
    assert truth["count"] == len(truth["products"]) == 100 + pages
    updated = {c["product_id"] for c in changes if c["kind"] == "updated"} & expected
    by_id = {p["id"]: p for p in truth["products"]}
    assert all(by_id[i]["date_modified"] > before["products"][0]["date_created"][:0] for i in updated)
