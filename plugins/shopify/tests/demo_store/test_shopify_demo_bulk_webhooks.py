"""Bulk operations with a served JSONL file, webhooks signed with HMAC, and the client-credentials grant."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from shopify_demo_support import GraphQL

RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message code } } }"""
POLL = """query($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status errorCode objectCount rootObjectCount fileSize url partialDataUrl } } }"""
EXPORT = """{ products { edges { node { id title handle
  variants { edges { node { id sku selectedOptions { name value } } } }
  media { edges { node { id ... on MediaImage { image { url } } } } } } } } }"""


def run_bulk(client: GraphQL, query: str, polls: int = 20) -> dict[str, Any]:
    started = client(RUN, {"q": query})["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    for _ in range(polls):
        op = client(POLL, {"id": started["bulkOperation"]["id"]})["data"]["node"]
        if op["status"] not in ("CREATED", "RUNNING"):
            return op
        time.sleep(0.05)
    raise AssertionError(f"bulk operation still {op['status']}")


def test_bulk_export_writes_jsonl_with_parent_ids(make_server) -> None:
    server = make_server(products=60, throttle=False)
    client = GraphQL(server)
    op = run_bulk(client, EXPORT)
    assert op["status"] == "COMPLETED" and op["errorCode"] is None and op["partialDataUrl"] is None
    raw = requests.get(op["url"], timeout=30)  # no token: a signed, public URL
    assert raw.status_code == 200 and raw.headers["Content-Type"] == "application/jsonl"
    assert (
        b"gid:\\/\\/shopify\\/Product\\/" in raw.content and b"gid://" not in raw.content
    )  # slashes escaped
    lines = [json.loads(line) for line in raw.content.splitlines()]
    assert op["objectCount"] == str(len(lines)) and op["fileSize"] == str(len(raw.content))
    truth = client.admin("GET", f"shops/{server.shop}/catalog")["products"]
    roots = [line for line in lines if "__parentId" not in line]
    assert op["rootObjectCount"] == str(len(roots)) == str(len(truth))
    assert [r["id"] for r in roots] == [p["id"] for p in truth]
    seen_parents: set[str] = set()
    children: dict[str, list[str]] = {}
    for line in lines:  # parents come before their children
        if "__parentId" in line:
            assert line["__parentId"] in seen_parents
            children.setdefault(line["__parentId"], []).append(line["id"])
        else:
            seen_parents.add(line["id"])
    for product in truth:
        expected = [v["id"] for v in product["variants"]] + [m["id"] for m in product["media"]]
        assert children.get(product["id"], []) == expected
    assert max(len(v) for v in children.values()) > 2000  # the huge product is exported whole


def test_bulk_progress_and_poll_shapes(make_server) -> None:
    server = make_server(products=10, throttle=False, bulk_polls=3)
    client = GraphQL(server)
    started = client(RUN, {"q": "{ products { edges { node { id } } } }"})["data"]["bulkOperationRunQuery"]
    oid = started["bulkOperation"]["id"]
    statuses: list[str] = []
    while "COMPLETED" not in statuses and len(statuses) < 200:
        statuses.append(client(POLL, {"id": oid})["data"]["node"]["status"])
        time.sleep(0.01)
    # first polled: RUNNING; never done before the third poll, whatever the file's speed
    assert statuses[:2] == ["RUNNING", "RUNNING"] and statuses[-1] == "COMPLETED" and len(statuses) >= 3
    current = client("{ currentBulkOperation { id status objectCount } }")["data"]["currentBulkOperation"]
    assert current == {"id": oid, "status": "COMPLETED", "objectCount": "10"}
    assert (
        client("query($id: ID!) { bulkOperation(id: $id) { id } }", {"id": oid})["data"]["bulkOperation"][
            "id"
        ]
        == oid
    )
    bad = requests.get(
        client(POLL, {"id": oid})["data"]["node"]["url"].replace("/__bulk/", "/__bulk/x"), timeout=10
    )
    assert bad.status_code == 403


def test_bulk_concurrency_depends_on_version(make_server) -> None:
    # 2025-10 is retired (served as 2026-01) unless the demo store is told it is still supported
    server = make_server(products=10, throttle=False, bulk_polls=50,
                         supported_versions=["2025-10", "2026-01", "2026-04", "2026-07", "2026-10"])  # fmt: skip
    client = GraphQL(server)
    query = "{ products { edges { node { id } } } }"
    first = client(RUN, {"q": query}, version="2025-10")
    assert first["data"]["bulkOperationRunQuery"]["userErrors"] == []
    second = client(RUN, {"q": query}, version="2025-10")["data"]["bulkOperationRunQuery"]
    oid = first["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    assert second == {"bulkOperation": None, "userErrors": [{"field": None, "code": "OPERATION_IN_PROGRESS",
        "message": f"A bulk query operation for this app and shop is already in progress: {oid}."}]}  # fmt: skip
    newer = [
        client(RUN, {"q": query}, version="2026-10")["data"]["bulkOperationRunQuery"]["userErrors"]
        for _ in range(4)
    ]
    assert newer == [[], [], [], []]  # from 2026-01: five at a time
    assert client(RUN, {"q": query}, version="2026-10")["data"]["bulkOperationRunQuery"]["userErrors"][0]["code"] == (
        "OPERATION_IN_PROGRESS")  # fmt: skip


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("{ shop { name } }", "at least one connection"),
        ('{ node(id: "gid://shopify/Product/1") { id } }', "top level `node`"),
        ("{ products { edges { node { nope } } } }", "Invalid bulk query"),
        ("{ collections { edges { node { products { edges { node { variants { edges { node { id } } } } } } } } } }",
         "nesting depth"),
    ],
)  # fmt: skip
def test_bulk_query_rules_are_user_errors(gql: GraphQL, query: str, fragment: str) -> None:
    payload = gql(RUN, {"q": query})["data"]["bulkOperationRunQuery"]
    assert payload["bulkOperation"] is None
    [error] = payload["userErrors"]
    assert fragment in error["message"] and error["field"] == ["query"]


def test_bulk_without_scope_fails_with_access_denied(shared) -> None:
    client = GraphQL(shared, token="no-scopes-token")
    op = run_bulk(client, "{ products { edges { node { id } } } }")
    assert (op["status"], op["errorCode"], op["url"]) == ("FAILED", "ACCESS_DENIED", None)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    httpd = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/webhooks/shopify", handler
    httpd.shutdown()
    httpd.server_close()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


SUBSCRIBE = """mutation($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri format includeFields } userErrors { field message } } }"""


def test_webhooks_are_signed_and_carry_shopify_headers(make_server, receiver) -> None:
    url, handler = receiver
    server = make_server(products=20, throttle=False)
    client = GraphQL(server)
    for topic in ("PRODUCTS_UPDATE", "PRODUCTS_DELETE"):
        made = client(SUBSCRIBE, {"topic": topic, "sub": {"uri": url, "format": "JSON"}})["data"]
        assert made["webhookSubscriptionCreate"]["userErrors"] == []
    again = client(SUBSCRIBE, {"topic": "PRODUCTS_UPDATE", "sub": {"uri": url}})["data"][
        "webhookSubscriptionCreate"
    ]
    assert again == {
        "webhookSubscription": None,
        "userErrors": [
            {
                "field": ["webhookSubscription", "callbackUrl"],
                "message": "Address for this topic has already been taken",
            }
        ],
    }
    listed = client("{ webhookSubscriptions(first: 10, topics: [PRODUCTS_UPDATE]) { nodes { topic uri } } }")
    assert listed["data"]["webhookSubscriptions"]["nodes"] == [{"topic": "PRODUCTS_UPDATE", "uri": url}]

    pid = client("{ products(first: 1) { nodes { id } } }")["data"]["products"]["nodes"][0]["id"]
    client.admin("PUT", f"shops/{server.shop}/products/{pid.rsplit('/', 1)[1]}", {"title": "Renamed ☕ <b>"})
    client.admin("DELETE", f"shops/{server.shop}/products/{pid.rsplit('/', 1)[1]}")
    wait_for(lambda: len(handler.received) == 2)
    (h1, b1), (h2, b2) = handler.received
    secret = server.config.shops[0].client_secret
    for headers, body in handler.received:
        digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        assert hmac.compare_digest(headers["x-shopify-hmac-sha256"], digest)
        assert headers["x-shopify-shop-domain"] == "claudery-demo.myshopify.com"
        assert headers["x-shopify-api-version"] == "2026-10" and headers["x-shopify-webhook-id"]
        assert headers["x-shopify-triggered-at"] and headers["x-shopify-event-id"]
    assert (h1["x-shopify-topic"], h2["x-shopify-topic"]) == ("products/update", "products/delete")
    update = json.loads(b1)
    assert update["title"] == "Renamed ☕ <b>" and update["admin_graphql_api_id"] == pid
    assert update["id"] == int(pid.rsplit("/", 1)[1]) and isinstance(update["tags"], str)
    assert update["variants"][0]["id"] > 2**53  # REST ids can exceed 2**53
    assert json.loads(b2) == {"id": int(pid.rsplit("/", 1)[1])}


def test_webhook_retries_on_failure_and_delete(make_server, receiver) -> None:
    url, handler = receiver
    handler.status = 500
    server = make_server(products=5, throttle=False, webhook_retries=2, webhook_retry_delay_ms=10)
    client = GraphQL(server)
    made = client(
        SUBSCRIBE, {"topic": "PRODUCTS_CREATE", "sub": {"uri": url, "includeFields": ["id", "title"]}}
    )
    sub_id = made["data"]["webhookSubscriptionCreate"]["webhookSubscription"]["id"]
    client.admin("POST", f"shops/{server.shop}/products", {"title": "New"})
    wait_for(lambda: len(handler.received) == 3)
    ids = {h["x-shopify-webhook-id"] for h, _ in handler.received}
    assert len(ids) == 1  # retries keep the delivery's id
    assert json.loads(handler.received[0][1]).keys() == {"id", "title"}
    gone = client("mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }",
                  {"id": sub_id})  # fmt: skip
    assert gone["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"] == sub_id


def exchange(server, **form: str) -> requests.Response:
    return requests.post(f"{server.shop_url()}/admin/oauth/access_token", data=form, timeout=10,
                         headers={"Accept": "application/json"})  # fmt: skip


def test_client_credentials_tokens_expire(make_server) -> None:
    server = make_server(products=5, throttle=False, token_lifetime_s=60)
    shop = server.config.shops[0]
    resp = exchange(
        server, grant_type="client_credentials", client_id=shop.client_id, client_secret=shop.client_secret
    )
    assert resp.status_code == 200
    token = resp.json()
    assert (
        token["scope"] == "read_products"
        and token["expires_in"] == 60
        and token["access_token"].startswith("shpat_")
    )
    client = GraphQL(server, token=token["access_token"])
    assert client.post("{ shop { name } }").status_code == 200
    client.admin("PUT", "clock", {"advance_s": 61})
    expired = client.post("{ shop { name } }")
    assert expired.status_code == 401 and expired.json()["errors"].startswith("[API] Invalid API key")
    assert GraphQL(server).post("{ shop { name } }").status_code == 200  # the permanent token lives on


def test_client_credentials_errors(make_server) -> None:
    server = make_server(
        products=5, shops=[{}, {"handle": "other-shop", "client_id": "other-app", "access_token": "t2"}]
    )
    shop = server.config.shops[0]
    wrong = exchange(server, grant_type="client_credentials", client_id=shop.client_id, client_secret="nope")
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")
    foreign = exchange(server, grant_type="client_credentials", client_id="other-app", client_secret="x")
    assert foreign.status_code == 400
    assert foreign.json() == {"error": "shop_not_permitted",
                              "error_description": "Client credentials cannot be performed on this shop."}  # fmt: skip
    assert exchange(server, grant_type="password").json()["error"] == "unsupported_grant_type"


def test_webhooks_can_arrive_out_of_order_and_twice(make_server, receiver) -> None:
    url, handler = receiver
    server = make_server(products=5, throttle=False, webhook_reorder_rate=1.0, webhook_delay_ms=1000)
    client = GraphQL(server)
    client(SUBSCRIBE, {"topic": "PRODUCTS_CREATE", "sub": {"uri": url, "includeFields": ["id", "title"]}})
    for title in ("first", "second"):  # both queued while the delivery thread waits out its delay
        client.admin("POST", f"shops/{server.shop}/products", {"title": title})
    wait_for(lambda: len(handler.received) == 2)
    assert [json.loads(body)["title"] for _, body in handler.received] == ["second", "first"]
    handler.received.clear()
    twice = make_server(products=5, throttle=False, webhook_duplicate_rate=1.0)
    client = GraphQL(twice)
    client(SUBSCRIBE, {"topic": "PRODUCTS_CREATE", "sub": {"uri": url}})
    client.admin("POST", f"shops/{twice.shop}/products", {"title": "once"})
    wait_for(lambda: len(handler.received) == 2)
    ids = Counter(h["x-shopify-webhook-id"] for h, _ in handler.received)
    assert list(ids.values()) == [2]  # a duplicate keeps its X-Shopify-Webhook-Id


def test_bulk_finish_webhook(make_server, receiver) -> None:
    url, handler = receiver
    server = make_server(products=5, throttle=False)
    client = GraphQL(server)
    client(SUBSCRIBE, {"topic": "BULK_OPERATIONS_FINISH", "sub": {"uri": url}})
    op = run_bulk(client, "{ products { edges { node { id } } } }")
    wait_for(lambda: len(handler.received) == 1)
    headers, body = handler.received[0]
    assert headers["x-shopify-topic"] == "bulk_operations/finish"
    payload = json.loads(body)
    assert (payload["admin_graphql_api_id"], payload["status"], payload["type"]) == (
        op["id"],
        "completed",
        "query",
    )
