"""The connection test: each failure class gives a message saying what to do, never the token."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses
from claudery_bigcommerce import connection, plugin

from hub.contract import ErrorKind, PluginContext

API = "https://api.bigcommerce.com/stores/abc123"
TOKEN = "sekrittoken123456"
CREDS = {"store_hash": "abc123", "access_token": TOKEN}
CTX = PluginContext(settings={"BIGCOMMERCE_BACKOFF_BASE": 0}, user_agent="ClauderyHub/test")
PRODUCTS = f"{API}/v3/catalog/products"
STORE = f"{API}/v2/store"
SCOPE_403 = {
    "status": 403,
    "title": "You don't have a required scope to access the endpoint",
    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    "errors": {},
}
OK_LIST = {"data": [{"id": 1}], "meta": {"pagination": {"total": 42, "count": 1}}}
STORE_BODY = {"id": "abc123", "name": "Jars & Co", "domain": "jars.example", "secure_url": "https://jars.example",
              "currency": "USD", "plan_name": "Standard", "status": "live", "logo": []}  # fmt: skip


def run() -> Any:
    result = connection.test_connection(CREDS, CTX)
    assert TOKEN not in repr(result)
    return result


@responses.activate
def test_ok_fills_store_info_and_checks_only_products_scope() -> None:
    responses.get(PRODUCTS, json=OK_LIST)
    responses.get(STORE, json=STORE_BODY)
    result = run()
    assert result.ok and result.error_kind is None and not result.warnings
    assert result.store.product_count == 42
    assert (result.store.name, result.store.domain, result.store.currency) == (
        "Jars & Co",
        "jars.example",
        "USD",
    )
    assert result.store.details["Plan"] == "Standard"
    first = responses.calls[0].request
    assert first.url.endswith("/v3/catalog/products?limit=1&include_fields=id")
    assert first.headers["X-Auth-Token"] == TOKEN
    assert first.headers["Accept"] == "application/json"
    assert "ClauderyHub" in first.headers["User-Agent"]
    assert not first.url.split("?")[0].endswith("/")


@responses.activate
def test_missing_information_scope_is_a_warning_not_a_failure() -> None:
    responses.get(PRODUCTS, json=OK_LIST)
    responses.get(STORE, status=403, json=SCOPE_403)
    result = run()
    assert result.ok
    assert len(result.warnings) == 1 and "Information & Settings" in result.warnings[0]


CASES: list[tuple[str, dict[str, Any], ErrorKind, list[str]]] = [
    ("401 json", {"status": 401, "json": {"status": 401, "title": "Unauthorized", "type": "/x"}}, ErrorKind.AUTH,
     ["access token", "Store-level API accounts"]),
    ("401 text", {"status": 401, "body": "Unauthorized", "content_type": "plain/text"}, ErrorKind.AUTH,
     ["access token"]),
    ("403 scope", {"status": 403, "json": SCOPE_403}, ErrorKind.SCOPE,
     ["Products: read-only", "create a new API account"]),
    ("403 generic", {"status": 403, "json": {"status": 403, "title": "Unauthorized Access."}}, ErrorKind.SCOPE,
     ["store hash", "Products: read-only"]),
    ("404", {"status": 404, "json": {"status": 404, "title": "The resource at that URL is not found."}},
     ErrorKind.NOT_FOUND, ["store hash", "abc123", "/stores/"]),
    ("404 html", {"status": 404, "body": "<html><body>openresty</body></html>", "content_type": "text/html"},
     ErrorKind.NOT_FOUND, ["store hash"]),
    ("429", {"status": 429, "json": {"status": 429, "title": "Too many requests"},
             "headers": {"X-Rate-Limit-Time-Reset-Ms": "15000", "X-Rate-Limit-Requests-Left": "0"}},
     ErrorKind.RATE_LIMITED, ["Try again in 15 s"]),
    ("503 suspended", {"status": 503, "json": {"status": 503, "title": "Store is suspended"}},
     ErrorKind.UNAVAILABLE, ["suspended", "control panel"]),
    ("503", {"status": 503, "body": "<html>Service Unavailable</html>"}, ErrorKind.UNAVAILABLE,
     ["maintenance or suspended"]),
    ("500", {"status": 500, "json": {"status": 500, "title": "Internal"}}, ErrorKind.UNAVAILABLE, ["try again"]),
    ("v2 style body", {"status": 400, "json": [{"status": 400, "message": "Bad thing"}]}, ErrorKind.UNKNOWN,
     ["Bad thing"]),
    ("timeout", {"body": requests.exceptions.ReadTimeout("x")}, ErrorKind.NETWORK, ["did not answer"]),
    ("dns", {"body": requests.exceptions.ConnectionError("NameResolutionError getaddrinfo failed")},
     ErrorKind.NETWORK, ["DNS"]),
    ("tls", {"body": requests.exceptions.SSLError("cert verify failed")}, ErrorKind.NETWORK, ["TLS"]),
    ("dropped", {"body": requests.exceptions.ConnectionError("reset by peer")}, ErrorKind.NETWORK, ["dropped"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "reply", "kind", "phrases"), CASES, ids=[c[0] for c in CASES])
@responses.activate
def test_failure_classes(name: str, reply: dict[str, Any], kind: ErrorKind, phrases: list[str]) -> None:
    responses.get(PRODUCTS, **reply)
    result = run()
    assert not result.ok and result.error_kind is kind
    for phrase in phrases:
        assert phrase in result.message, (phrase, result.message)
    assert "Traceback" not in result.message
    if kind is ErrorKind.RATE_LIMITED:
        assert result.retry_after == 15


@responses.activate
def test_token_echoed_by_the_platform_is_hidden() -> None:
    responses.get(PRODUCTS, status=400, json={"status": 400, "title": f"bad token {TOKEN}"})
    result = run()
    assert "[hidden]" in result.message


@responses.activate
def test_transient_failure_is_retried_once() -> None:
    responses.get(PRODUCTS, status=502, body="<html>bad gateway</html>")
    responses.get(PRODUCTS, json=OK_LIST)
    responses.get(STORE, json=STORE_BODY)
    assert run().ok
    assert len(responses.calls) == 3


@responses.activate
def test_non_bigcommerce_answer_is_reported() -> None:
    responses.get(PRODUCTS, body="<html>hello</html>", content_type="text/html")
    result = run()
    assert not result.ok and "BIGCOMMERCE_API_URL" in result.message


@responses.activate
def test_redirects_are_not_followed_so_the_token_stays_home() -> None:
    responses.get(PRODUCTS, status=302, headers={"Location": "https://evil.example/"})
    result = run()
    assert not result.ok and result.error_kind is ErrorKind.CONFIG
    assert len(responses.calls) == 1


@responses.activate
def test_base_url_setting_and_hook() -> None:
    responses.get("http://localhost:9/stores/abc123/v3/catalog/products", json=OK_LIST)
    responses.get("http://localhost:9/stores/abc123/v2/store", body=json.dumps(STORE_BODY))
    ctx = PluginContext(settings={"BIGCOMMERCE_API_URL": "http://localhost:9/"})
    assert plugin.test_connection("bigcommerce", CREDS, ctx).ok
