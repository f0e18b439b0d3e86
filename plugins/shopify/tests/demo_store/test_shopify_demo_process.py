"""The demo store as a separate process over real HTTP: fixtures, run-time faults, and the hub command."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests
from claudery_shopify.demo_store.testing import DemoStoreProcess

pytestmark = pytest.mark.slow

SHOP_QUERY = {"query": "{ shop { name myshopifyDomain } products(first: 5) { nodes { id title } } }"}


def post(store: DemoStoreProcess, body: dict = SHOP_QUERY, **kw) -> requests.Response:
    return requests.post(store.graphql_url(), json=body, headers={"X-Shopify-Access-Token": store.access_token},
                         timeout=30, **kw)  # fmt: skip


def test_process_fixture_serves_the_api_and_the_admin(shopify_demo_store: DemoStoreProcess) -> None:
    resp = post(shopify_demo_store)
    assert resp.status_code == 200
    assert resp.json()["data"]["shop"]["myshopifyDomain"] == "claudery-demo.myshopify.com"
    admin = shopify_demo_store.admin
    assert len(admin.catalog()["products"]) == 200 == len(admin.product_ids())
    assert admin.request_counts()[("query {products,shop}", 200, "")] == 1
    assert admin.costs()["query {products,shop}"]["requested"] == 1 + 2 + 3  # shop 1 + 2 + floor(2 ln 5) x 1
    new = admin.create_product(title="Made by a test")
    assert admin.product(new["id"])["title"] == "Made by a test"
    assert admin.events()[-1]["kind"] == "created"


def test_runtime_faults_over_real_http(shopify_demo_store_factory) -> None:
    store = shopify_demo_store_factory(products=30, throttle=False)
    admin = store.admin
    admin.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        post(store)
    admin.set_faults(drop_rate=0.0, error_rate=1.0, error_statuses=[503])
    resp = post(store)
    assert resp.status_code == 503 and resp.headers["Content-Type"].startswith("text/html")
    assert "Request ID: " + resp.headers["X-Request-Id"] in resp.text
    admin.set_faults(error_rate=0.0, rate_429=1.0, retry_after_s=2.0)
    resp = post(store)
    assert (resp.status_code, resp.headers["Retry-After"]) == (429, "2.0")
    admin.set_faults(rate_429=0.0, internal_error_rate=1.0)
    [error] = post(store).json()["errors"]
    assert error["extensions"] == {
        "code": "INTERNAL_SERVER_ERROR",
        "requestId": error["extensions"]["requestId"],
    }
    admin.set_faults(internal_error_rate=0.0, timeout_rate=1.0, timeout_ms=300)
    started = time.monotonic()
    assert post(store).status_code == 504 and time.monotonic() - started >= 0.3
    admin.set_faults(timeout_rate=0.0)
    admin.set_latency(200)
    started = time.monotonic()
    assert post(store).status_code == 200 and time.monotonic() - started >= 0.2
    admin.set_latency(0)
    admin.set_faults(malformed_rate=1.0)
    titles = [n["title"] for n in post(store).json()["data"]["products"]["nodes"]]
    assert None in titles
    counts = admin.request_counts()
    assert counts[("graphql", 0, "dropped")] == 1 and counts[("graphql", 503, "injected")] == 1


def test_hub_command_runs_the_demo_store() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    code = "from hub.cli import main; main()"
    helptext = subprocess.run([sys.executable, "-c", code, "shopify-demo-store", "--help"], capture_output=True,
                              text=True, env=env, timeout=60)  # fmt: skip
    assert helptext.returncode == 0, helptext.stderr
    assert (
        "--plan [standard|advanced|plus|enterprise]" in helptext.stdout
        and "--paging-changes" in helptext.stdout
    )
    proc = subprocess.Popen([sys.executable, "-c", code, "shopify-demo-store", "--products", "40", "--plan", "plus",
                             "--shop", "cli-shop"], stdout=subprocess.PIPE, text=True, env=env)  # fmt: skip
    try:
        lines = {}
        assert proc.stdout is not None
        for line in proc.stdout:
            key, _, value = line.strip().partition("=")
            lines[key] = value
            if key == "ready":
                break
        resp = requests.post(f"{lines['shop_url']}/admin/api/2026-10/graphql.json", json={"query": "{ shop { name } }"},
                             headers={"X-Shopify-Access-Token": lines["access_token"]}, timeout=30)  # fmt: skip
        assert resp.json()["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 20000
        assert lines["shop"] == "cli-shop"
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0  # SIGTERM is a clean stop
