"""The GraphQL client: every Shopify failure classified, THROTTLED and 429 waited out, tokens renewed.

Bodies are Shopify's as documented in ``shared/docs/shopify-api.md`` §2.2-2.4 and §4.4.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
import responses
from claudery_shopify.client import ShopifyClient
from claudery_shopify.errors import QueryTooCostly
from claudery_shopify.settings import ShopifySettings

from hub.contract import ErrorKind, PlatformError, StopRequested

TOKEN = "shpat_sekrit0123456789"
CREDS = {"shop": "my-store.myshopify.com", "access_token": TOKEN, "api_version": "2026-10"}
URL = "https://my-store.myshopify.com/admin/api/2026-10/graphql.json"
TOKEN_URL = "https://my-store.myshopify.com/admin/oauth/access_token"


def cost(
    available: float = 1990, requested: float = 10, actual: float | None = 10, size: float = 2000
) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": size,
                "currentlyAvailable": available,
                "restoreRate": 100.0,
            },
        }
    }


OK = {"data": {"shop": {"name": "Jars"}}, "extensions": cost()}
THROTTLED = {
    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
    "extensions": cost(available=572, requested=862, actual=None),
}


class Sleeps(list):
    """Records the sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)

    @property
    def total(self) -> float:
        return sum(self)


def client(
    sleeps: Sleeps | None = None, creds: dict | None = None, saved: list | None = None, **settings: Any
) -> ShopifyClient:
    cfg = ShopifySettings.from_mapping({"SHOPIFY_BACKOFF_BASE": 0.5, "SHOPIFY_MAX_RETRIES": 2, **settings})
    return ShopifyClient(
        creds or CREDS,
        cfg,
        sleep=sleeps if sleeps is not None else Sleeps(),
        save_credentials=(saved.append if saved is not None else lambda _new: None),
        rng=lambda: 1.0,
    )


def failure(**kwargs: Any) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        client().query("{ shop { name } }")
    assert TOKEN not in caught.value.message
    return caught.value


@responses.activate
def test_posts_graphql_with_the_token_header_and_no_redirects() -> None:
    responses.post(URL, json=OK, headers={"X-Shopify-API-Version": "2026-10"})
    c = client()
    assert c.query("{ shop { name } }", {"a": 1}).data == {"shop": {"name": "Jars"}}
    request = responses.calls[0].request
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert "Authorization" not in request.headers
    assert request.headers["Content-Type"] == "application/json"
    assert c.served_version == "2026-10"
    assert TOKEN not in repr(c)


@responses.activate
def test_api_url_template_names_the_shop() -> None:
    responses.post("http://127.0.0.1:9/shops/my-store/admin/api/2026-10/graphql.json", json=OK)
    client(SHOPIFY_API_URL="http://127.0.0.1:9/shops/{shop}").query("{ shop { name } }")
    assert len(responses.calls) == 1


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (
            401,
            {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            ErrorKind.AUTH,
            "access token",
        ),
        (402, {"errors": "Unavailable Shop"}, ErrorKind.UNAVAILABLE, "frozen"),
        (403, {"errors": "Unavailable Shop"}, ErrorKind.UNAVAILABLE, "unavailable"),
        (423, "The requested shop is currently locked", ErrorKind.UNAVAILABLE, "locked"),
        (404, {"errors": "Not Found"}, ErrorKind.NOT_FOUND, "Settings → Domains"),
        (404, "<html>There is no store here</html>", ErrorKind.NOT_FOUND, "myshopify address"),
        (
            403,
            {"errors": "[API] This action requires merchant approval for read_products scope."},
            ErrorKind.SCOPE,
            "read_products",
        ),
        (301, "", ErrorKind.NOT_FOUND, "redirect"),
        (430, "", ErrorKind.UNKNOWN, "430"),
    ],
)
@responses.activate
def test_http_failures_are_classified_in_the_merchants_words(
    status: int, body: Any, kind: ErrorKind, words: str
) -> None:
    headers = {"Location": "https://evil.example/"} if status == 301 else {}
    if isinstance(body, dict):
        responses.post(URL, json=body, status=status, headers=headers)
    else:
        responses.post(URL, body=body, status=status, headers=headers)
    error = failure()
    assert error.kind is kind
    assert words in error.message
    assert len(responses.calls) == 1  # a redirect is not followed, a 4xx not retried


@responses.activate
def test_missing_scope_in_graphql_names_the_scope() -> None:
    required = "`read_products` access scope."
    denied = {"code": "ACCESS_DENIED", "requiredAccess": required}
    message = f"Access denied for products field. Required access: {required}"
    responses.post(
        URL,
        json={
            "errors": [{"message": message, "path": ["products"], "extensions": denied}],
            "data": {"products": None},
            "extensions": cost(),
        },
    )
    error = failure()
    assert error.kind is ErrorKind.SCOPE
    assert "read_products" in error.message and "Develop apps" in error.message


@responses.activate
def test_validation_errors_are_bugs_not_retried() -> None:
    responses.post(
        URL,
        json={
            "errors": [
                {
                    "message": "Field 'x' doesn't exist on type 'Product'",
                    "extensions": {"code": "undefinedField"},
                }
            ]
        },
    )
    error = failure()
    assert error.kind is ErrorKind.UNKNOWN and "undefinedField" in error.message
    assert len(responses.calls) == 1


@responses.activate
def test_throttled_is_a_wait_computed_from_the_bucket_then_the_same_request_again() -> None:
    responses.post(URL, json=THROTTLED)
    responses.post(URL, json=OK)
    sleeps = Sleeps()
    c = client(sleeps)
    assert c.query("{ shop { name } }").data["shop"]["name"] == "Jars"
    # (862 - 572) / 100 = 2.9 s, plus the margin
    assert 2.9 <= sleeps.total <= 3.0
    assert responses.calls[0].request.body == responses.calls[1].request.body
    assert c.usage.throttled == 1 and c.usage.requests == 2
    assert c.usage.rate_limit_wait == pytest.approx(sleeps.total)


@responses.activate
def test_throttling_beyond_the_wait_cap_gives_the_run_back_as_rate_limited() -> None:
    for _ in range(5):
        responses.post(URL, json=THROTTLED)
    with pytest.raises(PlatformError) as caught:
        client(SHOPIFY_MAX_THROTTLE_WAIT=5).query("{ shop { name } }")
    assert caught.value.kind is ErrorKind.RATE_LIMITED and caught.value.retry_after


@responses.activate
def test_the_bucket_is_waited_for_before_a_query_that_would_not_fit() -> None:
    responses.post(URL, json={**OK, "extensions": cost(available=100, requested=300)})
    responses.post(URL, json=OK)
    sleeps = Sleeps()
    c = client(sleeps)
    c.query("{ a }")
    c.query("{ a }", expected_cost=300)
    assert 1.9 <= sleeps.total <= 2.2  # (300 - ~100) / 100 points a second
    assert c.usage.throttled == 0


@responses.activate
def test_429_honours_retry_after() -> None:
    responses.post(
        URL,
        json={"errors": "Exceeded 2 calls per second for api client."},
        status=429,
        headers={"Retry-After": "2.0"},
    )
    responses.post(URL, json=OK)
    sleeps = Sleeps()
    client(sleeps).query("{ a }")
    assert sleeps.total == pytest.approx(2.0)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 530, 540])
@responses.activate
def test_server_errors_are_retried_with_backoff_then_unavailable(status: int) -> None:
    for _ in range(3):
        responses.post(URL, body="<html>oops</html>", status=status)
    sleeps = Sleeps()
    with pytest.raises(PlatformError) as caught:
        client(sleeps).query("{ a }")
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert len(responses.calls) == 3 and sleeps.total == pytest.approx(0.5 + 1.0)


@responses.activate
def test_internal_server_error_in_graphql_is_retried() -> None:
    message = "Internal error. Looks like something went wrong on our end.\nRequest ID: 1a2b"
    ext = {"code": "INTERNAL_SERVER_ERROR", "requestId": "1a2b"}
    responses.post(URL, json={"errors": [{"message": message, "extensions": ext}]})
    responses.post(URL, json=OK)
    assert client().query("{ a }").data


@responses.activate
def test_timeouts_and_dropped_connections_are_network_errors() -> None:
    responses.post(URL, body=requests.ConnectTimeout())
    responses.post(URL, body=requests.ConnectionError("reset"))
    responses.post(URL, body=requests.ReadTimeout())
    error = failure()
    assert error.kind is ErrorKind.NETWORK


@responses.activate
def test_max_cost_exceeded_tells_the_caller_to_shrink() -> None:
    message = "Query cost is 1293, which exceeds the single query max cost limit (1000)."
    ext = {"code": "MAX_COST_EXCEEDED", "cost": 1293, "maxCost": 1000}
    responses.post(URL, json={"errors": [{"message": message, "extensions": ext}]})
    with pytest.raises(QueryTooCostly) as caught:
        client().query("{ a }")
    assert caught.value.cost == 1293


@responses.activate
def test_stop_is_honoured_during_a_wait() -> None:
    responses.post(URL, json=THROTTLED)
    calls = iter([False, False, True])
    c = client()
    c.should_stop = lambda: next(calls, True)
    with pytest.raises(StopRequested):
        c.query("{ a }")


# ----- client credentials ----------------------------------------------------------------------------

CC = {
    "shop": "my-store.myshopify.com",
    "client_id": "cid123",
    "client_secret": "shpss_secretvalue",
    "api_version": "2026-10",
}


@responses.activate
def test_client_credentials_are_exchanged_once_and_the_token_saved() -> None:
    responses.post(
        TOKEN_URL, json={"access_token": "shpat_new1", "scope": "read_products", "expires_in": 86399}
    )
    responses.post(URL, json=OK)
    responses.post(URL, json=OK)
    saved: list = []
    c = client(creds=CC, saved=saved)
    c.query("{ a }")
    c.query("{ a }")
    exchange = responses.calls[0].request
    assert exchange.headers["Accept"] == "application/json"
    assert "grant_type=client_credentials" in exchange.body and "client_id=cid123" in exchange.body
    assert responses.calls[1].request.headers["X-Shopify-Access-Token"] == "shpat_new1"
    assert len(responses.calls) == 3  # one exchange for both queries
    assert saved == [{**CC, "access_token": "shpat_new1"}]


@responses.activate
def test_a_401_renews_the_token_once_and_retries() -> None:
    responses.post(URL, json={"errors": "[API] Invalid API key or access token"}, status=401)
    responses.post(TOKEN_URL, json={"access_token": "shpat_new2", "expires_in": 86399})
    responses.post(URL, json=OK)
    saved: list = []
    c = client(creds={**CC, "access_token": "shpat_stale"}, saved=saved)
    assert c.query("{ a }").data
    assert responses.calls[0].request.headers["X-Shopify-Access-Token"] == "shpat_stale"
    assert responses.calls[2].request.headers["X-Shopify-Access-Token"] == "shpat_new2"
    assert saved[-1]["access_token"] == "shpat_new2"


@responses.activate
def test_a_token_is_renewed_before_it_expires() -> None:
    responses.post(TOKEN_URL, json={"access_token": "shpat_short", "expires_in": 400})
    responses.post(TOKEN_URL, json={"access_token": "shpat_next", "expires_in": 86399})
    responses.post(URL, json=OK)
    responses.post(URL, json=OK)
    c = client(creds=CC)
    now = [1000.0]
    c.tokens._clock = lambda: now[0]
    c.query("{ a }")
    now[0] += 150  # 250 s left: inside the 300 s refresh margin
    c.query("{ a }")
    tokens = [
        call.request.headers.get("X-Shopify-Access-Token")
        for call in responses.calls
        if call.request.url == URL
    ]
    assert tokens == ["shpat_short", "shpat_next"]


@pytest.mark.parametrize(
    ("status", "body", "kind", "words"),
    [
        (
            400,
            {
                "error": "shop_not_permitted",
                "error_description": "Client credentials cannot be performed on this shop.",
            },
            ErrorKind.AUTH,
            "same organization",
        ),
        (400, {"error": "invalid_client"}, ErrorKind.AUTH, "client ID and client secret"),
        (401, {"error": "invalid_client"}, ErrorKind.AUTH, "Dev Dashboard"),
        (404, {"errors": "Not Found"}, ErrorKind.NOT_FOUND, "myshopify"),
    ],
)
@responses.activate
def test_refused_client_credentials_are_explained(
    status: int, body: dict, kind: ErrorKind, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses.post(TOKEN_URL, json=body, status=status)
    with pytest.raises(PlatformError) as caught:
        client(creds=CC).query("{ a }")
    assert caught.value.kind is kind and words in caught.value.message
    assert "shpss_secretvalue" not in caught.value.message + caplog.text


# ----- the connection test gives up sooner: a merchant is waiting ----------------------------------


@responses.activate
def test_connection_test_reports_throttling_instead_of_waiting_minutes() -> None:
    from claudery_shopify import connection

    from hub.contract import PluginContext

    for _ in range(10):
        responses.post(URL, json=THROTTLED)
    sleeps = Sleeps()
    ctx = PluginContext(settings={"SHOPIFY_MAX_THROTTLE_WAIT": 600})
    result = connection.test_connection(CREDS, ctx, sleep=sleeps)
    assert not result.ok and result.error_kind is ErrorKind.RATE_LIMITED and result.retry_after
    assert sleeps.total <= 10.0


@responses.activate
def test_connection_test_reports_shopify_down() -> None:
    from claudery_shopify import connection

    from hub.contract import PluginContext

    for _ in range(5):
        responses.post(URL, body="<html>Service Unavailable</html>", status=503)
    result = connection.test_connection(CREDS, PluginContext(settings={"SHOPIFY_BACKOFF_BASE": 0}))
    assert not result.ok and result.error_kind is ErrorKind.UNAVAILABLE
    assert "retries later" in result.message and len(responses.calls) == 3
