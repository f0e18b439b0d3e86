"""Admin endpoints (edits, ground truth, counts), webhooks, and the separate-process fixture."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from claudery_bigcommerce.demo_store.testing import DemoStoreProcess

Client = Any


class Receiver:
    """A local webhook receiver recording (headers, payload)."""

    def __init__(self) -> None:
        received: list[tuple[dict, dict]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                import json

                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def wait(self, n: int, timeout: float = 5.0) -> list[tuple[dict, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@pytest.fixture
def receiver() -> Any:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_admin_edits_bump_date_modified_and_show_in_api_and_truth(make_server, make_client) -> None:
    client = make_client(make_server(products=30, quota=0))
    first = client.get("/v3/catalog/products", limit=1).json()["data"][0]
    r = client.admin(
        "PUT", f"stores/{client.store_hash}/products/{first['id']}", {"name": "Renamed Ü", "price": 9.5}
    )
    assert r.status_code == 200
    now = client.get(f"/v3/catalog/products/{first['id']}").json()["data"]
    assert (
        now["name"] == "Renamed Ü" and now["price"] == 9.5 and now["date_modified"] > first["date_modified"]
    )
    created = client.admin("POST", f"stores/{client.store_hash}/products", {"name": "Brand new"}).json()[
        "data"
    ]
    ids = [p["id"] for p in client.get("/v3/catalog/products", limit=250).json()["data"]]
    assert created["id"] == max(ids) and created["variants"]
    assert client.admin("DELETE", f"stores/{client.store_hash}/products/{ids[3]}").status_code == 200
    assert client.get(f"/v3/catalog/products/{ids[3]}").status_code == 404
    truth = client.admin("GET", f"stores/{client.store_hash}/catalog").json()
    assert truth["count"] == 30 and ids[3] not in {p["id"] for p in truth["products"]}
    assert {"categories", "brands"} <= set(truth) and truth["categories"]
    full = next(p for p in truth["products"] if p["id"] == first["id"])
    assert full["name"] == "Renamed Ü" and {"variants", "images", "custom_fields"} <= set(full)
    api = client.get(f"/v3/catalog/products/{first['id']}", include="variants,images,custom_fields").json()[
        "data"
    ]
    assert {k: full[k] for k in api} == api
    kinds = [c["kind"] for c in client.admin("GET", f"stores/{client.store_hash}/changes").json()["data"]]
    assert kinds == ["updated", "created", "deleted"]


def test_date_modified_min_finds_edits(make_server, make_client) -> None:
    client = make_client(make_server(products=50, quota=0))
    pid = client.get("/v3/catalog/products", limit=1, page=7).json()["data"][0]["id"]
    edited = client.admin("PUT", f"stores/{client.store_hash}/products/{pid}", {"price": 1.0}).json()["data"]
    found = client.get("/v3/catalog/products", **{"date_modified:min": edited["date_modified"]}).json()[
        "data"
    ]
    assert [p["id"] for p in found] == [pid]


def test_request_counts_by_endpoint_and_status(make_server, make_client) -> None:
    client = make_client(make_server(products=10, quota=0))
    client.get("/v3/catalog/products")
    client.get("/v3/catalog/products")
    client.get("/v3/catalog/products/1")
    client.get("/v3/catalog/products", token="bad")
    rows = {(r["endpoint"], r["status"]): r["count"] for r in client.admin("GET", "requests").json()["data"]}
    assert rows == {("GET /v3/catalog/products", 200): 2, ("GET /v3/catalog/products/{id}", 404): 1,
                    ("GET /v3/catalog/products", 401): 1}  # fmt: skip
    client.admin("DELETE", "requests")
    assert client.admin("GET", "requests").json()["total"] == 0


def test_warm_generates_the_catalog_without_counting_requests_and_respects_the_cache_bounds(
    make_server, make_client
) -> None:
    roomy = make_client(make_server(products=600, quota=0))
    warmed = roomy.admin("POST", f"stores/{roomy.store_hash}/warm").json()["data"]
    assert warmed["products"] == 600 and warmed["cached"] == 600 and warmed["bytes"] > 600 * 1000
    assert roomy.admin("GET", "requests").json()["total"] == 0  # not API traffic
    page = roomy.get("/v3/catalog/products", limit=250, include="variants,images,custom_fields").json()
    assert len(page["data"]) == 250  # served as before
    tight = make_client(make_server(products=600, quota=0, cache_products=100))
    assert tight.admin("POST", f"stores/{tight.store_hash}/warm").json()["data"]["cached"] == 100


def test_hooks_crud_and_visibility(make_server, make_client, receiver: Receiver) -> None:
    server = make_server(products=10, quota=0, stores=[{}, {"access_token": "other-app"}])
    client = make_client(server)
    body = {
        "scope": "store/product/*",
        "destination": receiver.url,
        "is_active": True,
        "headers": {"X-Secret": "s3"},
    }
    created = client.send("POST", "/v3/hooks", body)
    assert created.status_code == 200
    hook = created.json()["data"]
    assert {"id", "client_id", "store_hash", "scope", "destination", "is_active", "headers", "created_at",
            "updated_at"} <= set(hook) and isinstance(hook["created_at"], int)  # fmt: skip
    assert client.send("POST", "/v3/hooks", {"destination": receiver.url}).json()["errors"] == {
        "scope": "error.path.missing."}  # fmt: skip
    assert client.send("POST", "/v3/hooks", {"scope": "store/product/*", "destination": "https://example.com/x"}
                       ).status_code == 422  # fmt: skip
    assert [h["id"] for h in client.get("/v3/hooks").json()["data"]] == [hook["id"]]
    assert make_client(server, "other-app").get("/v3/hooks").json()["data"] == []
    updated = client.send("PUT", f"/v3/hooks/{hook['id']}", {"is_active": False}).json()["data"]
    assert updated["is_active"] is False
    assert client.send("DELETE", f"/v3/hooks/{hook['id']}").json()["data"]["id"] == hook["id"]
    assert client.get(f"/v3/hooks/{hook['id']}").status_code == 404


def test_product_webhooks_delivered_with_custom_headers(make_server, make_client, receiver: Receiver) -> None:
    client = make_client(make_server(products=10, quota=0))
    client.send("POST", "/v3/hooks", {"scope": "store/product/*", "destination": receiver.url,
                                      "headers": {"X-Secret": "s3cr3t"}})  # fmt: skip
    client.send("POST", "/v3/hooks", {"scope": "store/product/deleted", "destination": receiver.url + "/d"})
    pid = client.get("/v3/catalog/products", limit=1).json()["data"][0]["id"]
    client.admin("PUT", f"stores/{client.store_hash}/products/{pid}", {"price": 3.0})
    new = client.admin("POST", f"stores/{client.store_hash}/products", {}).json()["data"]["id"]
    client.admin("DELETE", f"stores/{client.store_hash}/products/{pid}")
    got = receiver.wait(4)
    assert len(got) == 4
    scopes = sorted((p["scope"], p["data"]["id"]) for _, p in got)
    assert scopes == sorted([("store/product/updated", pid), ("store/product/created", new),
                             ("store/product/deleted", pid), ("store/product/deleted", pid)])  # fmt: skip
    headers, payload = next((h, p) for h, p in got if p["scope"] == "store/product/updated")
    assert headers["x-secret"] == "s3cr3t" and headers["content-type"] == "application/json"
    assert payload["producer"] == f"stores/{client.store_hash}" and isinstance(payload["store_id"], str)
    assert payload["data"] == {"type": "product", "id": pid} and len(payload["hash"]) == 40
    assert isinstance(payload["created_at"], int)


def test_process_fixture(demo_store: DemoStoreProcess) -> None:
    session = requests.Session()
    r = session.get(f"{demo_store.api_base}/v3/catalog/products", params={"limit": 250},
                    headers={"X-Auth-Token": demo_store.access_token})  # fmt: skip
    assert r.status_code == 200 and r.json()["meta"]["pagination"]["total"] == 200
    assert len(demo_store.admin.catalog()["products"]) == 200
    demo_store.admin.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        session.get(
            f"{demo_store.api_base}/v3/catalog/summary", headers={"X-Auth-Token": demo_store.access_token}
        )
    demo_store.admin.set_faults(drop_rate=0.0)
    assert demo_store.admin.request_counts()[("GET /v3/catalog/summary", 0)] == 1
    demo_store.stop()
    assert demo_store.process.returncode == 0
