"""Query cost (the documented rules and the fitted connection formula) and the leaky bucket per plan."""

from __future__ import annotations

import pytest
from claudery_shopify.demo_store.launch import build_config
from claudery_shopify.demo_store.ratelimit import Clock, LeakyBucket
from claudery_shopify.demo_store.server import DemoStoreServer
from shopify_demo_support import GraphQL

PRODUCT_FIELDS = "id title handle status vendor productType tags updatedAt"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ products(first: 1) { nodes { id } } }", 3),  # 2 + 1 x 1 (observed)
        ("{ products(first: 50) { nodes { id title status vendor productType } } }", 9),  # 2 + 7 x 1
        (f"{{ products(first: 250) {{ nodes {{ {PRODUCT_FIELDS} }} }} }}", 13),  # 2 + 11 x 1
        # 2 + 11 x (product 1 + options 1 + variants 2 + 11 x 1): the observed 167
        ("{ products(first: 250) { nodes { id options { name values } variants(first: 250) { nodes { id sku } } } } }",
         167),
        # edges/cursor/pageInfo cost nothing extra
        ("{ products(first: 250) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }", 13),
        ("{ shop { name primaryDomain { url host } } }", 2),  # observed
        ("{ productsCount { count precision } }", 10),  # a defined cost (observed)
        # 1 + 2 + 11 x (variant 1 + inventoryItem 1) = 25 (observed)
        ('{ product(id: "gid://shopify/Product/1") { variants(first: 250) { nodes { inventoryItem { id } } } } }', 25),
    ],
)  # fmt: skip
def test_requested_cost_matches_the_observed_values(gql: GraphQL, query: str, expected: int) -> None:
    cost = gql(query)["extensions"]["cost"]
    assert cost["requestedQueryCost"] == expected
    assert 0 <= cost["actualQueryCost"] <= expected


def test_actual_cost_counts_what_was_returned(gql: GraphQL) -> None:
    empty = gql('{ products(first: 250, query: "title:no-such-product-anywhere") { nodes { id } } }')
    assert empty["data"]["products"]["nodes"] == []
    assert empty["extensions"]["cost"] == {
        **empty["extensions"]["cost"],
        "requestedQueryCost": 13,
        "actualQueryCost": 2,
    }
    two = gql('{ products(first: 250, query: "id:<=9885482006550") { nodes { id } } }')
    assert len(two["data"]["products"]["nodes"]) == 2
    assert two["extensions"]["cost"]["actualQueryCost"] == 2 + 1 * 1  # floor(2 ln 2) = 1 row-multiplier


def test_mutations_cost_ten_and_polls_cost_one(gql: GraphQL) -> None:
    run = gql('mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") '
              "{ bulkOperation { id } userErrors { message } } }")  # fmt: skip
    assert (
        run["extensions"]["cost"]["requestedQueryCost"] == 10 == run["extensions"]["cost"]["actualQueryCost"]
    )
    oid = run["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    poll = gql("query($id: ID!) { node(id: $id) { ... on BulkOperation { status } } }", {"id": oid})
    assert poll["extensions"]["cost"]["requestedQueryCost"] == 1


def test_linear_formula_is_a_switch(make_server) -> None:
    server = make_server(products=20, cost_formula="linear", throttle=False)
    cost = GraphQL(server)("{ products(first: 50) { nodes { id } } }")["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 50


def test_over_the_single_query_limit_is_max_cost_exceeded_without_cost(gql: GraphQL) -> None:
    query = ("{ products(first: 250) { nodes { id variants(first: 250) { nodes { id product { id } } } "
             "media(first: 250) { nodes { id } } metafields(first: 250) { nodes { id } } "
             "collections(first: 250) { nodes { id products(first: 250) { nodes { id } } } } } } }")  # fmt: skip
    body = gql(query)
    assert "data" not in body and "extensions" not in body
    [error] = body["errors"]
    variants, media, metafields = 2 + 11 * (1 + 1), 13, 13
    collections = 2 + 11 * (1 + 13)
    cost = 2 + 11 * (1 + variants + media + metafields + collections)
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": 1000,
                                   "documentation": "https://shopify.dev/api/usage/rate-limits"}  # fmt: skip
    assert error["message"].startswith(
        f"Query cost is {cost}, which exceeds the single query max cost limit (1000)."
    )


@pytest.mark.parametrize(
    ("plan", "size", "restore"), [("standard", 2000, 100), ("advanced", 4000, 200), ("plus", 20000, 1000)]
)
def test_bucket_per_plan_charges_the_actual_cost(make_server, plan: str, size: int, restore: int) -> None:
    server = make_server(products=50, plan=plan)
    first = GraphQL(server)("{ products(first: 10) { nodes { id } } }")["extensions"]["cost"]
    status = first["throttleStatus"]
    assert status["maximumAvailable"] == size and status["restoreRate"] == restore
    # charged the actual cost (requested is held, then the difference refunded); a sliver may refill
    assert size - first["actualQueryCost"] <= status["currentlyAvailable"] <= size


def test_throttled_with_http_200_when_the_bucket_is_short_then_restores(make_server) -> None:
    server = make_server(products=300, time_scale=0.001)  # the clock nearly stands still: no refill
    client = GraphQL(server)
    query = "{ products(first: 250) { nodes { id options { name } variants(first: 250) { nodes { id } } } } }"
    throttled = None
    for _ in range(20):
        resp = client.post(query)
        assert resp.status_code == 200
        body = resp.json()
        if "errors" in body:
            throttled = body
            break
    assert throttled is not None, "the bucket never ran dry"
    assert "data" not in throttled and "Retry-After" not in resp.headers
    assert throttled["errors"] == [{"message": "Throttled", "extensions": {
        "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]  # fmt: skip
    cost = throttled["extensions"]["cost"]
    assert cost["actualQueryCost"] is None
    assert cost["requestedQueryCost"] > cost["throttleStatus"]["currentlyAvailable"]
    wait_s = (cost["requestedQueryCost"] - cost["throttleStatus"]["currentlyAvailable"]) / 100
    client.admin("PUT", "clock", {"advance_s": wait_s + 0.1})  # the documented wait is enough
    assert "data" in client(query)


def test_forced_throttle_fault_and_unthrottled_mode(make_server) -> None:
    server = make_server(products=20, throttle_next=2)
    client = GraphQL(server)
    codes = [
        client("{ shop { name } }").get("errors", [{}])[0].get("extensions", {}).get("code") for _ in range(3)
    ]
    assert codes == ["THROTTLED", "THROTTLED", None]
    free = make_server(products=20, throttle=False, bucket_size=10, time_scale=0.001)
    body = GraphQL(free)("{ products(first: 250) { nodes { id } } }")
    assert "data" in body and body["extensions"]["cost"]["requestedQueryCost"] == 13


def test_costs_are_counted_per_operation(make_server) -> None:
    server = make_server(products=20, throttle=False)
    client = GraphQL(server)
    for _ in range(3):
        client("query Page { products(first: 5) { nodes { id } } }")
    client("{ shop { name } }")
    counts = client.admin("GET", "requests")
    rows = {(r["operation"], r["status"], r["code"]): r["count"] for r in counts["data"]}
    assert rows[("query Page", 200, "")] == 3 and rows[("query {shop}", 200, "")] == 1
    costs = {r["operation"]: r for r in counts["costs"]}
    assert costs["query Page"]["requested"] == 3 * (2 + 3 * 1) and costs["query Page"]["requests"] == 3


def test_each_app_on_a_shop_has_its_own_bucket(make_server) -> None:
    server = make_server(products=300, time_scale=0.001,
                         shops=[{}, {"access_token": "second-app", "client_id": "second-app-id"}])  # fmt: skip
    first, second = GraphQL(server), GraphQL(server, token="second-app")
    query = "{ products(first: 250) { nodes { id options { name } variants(first: 250) { nodes { id } } } } }"
    for _ in range(20):  # drain the first app's bucket (167 points a time)
        if "errors" in first(query):
            break
    assert first(query)["errors"][0]["extensions"]["code"] == "THROTTLED"
    status = second(query)["extensions"]["cost"]["throttleStatus"]
    assert status["currentlyAvailable"] >= 2000 - 167


class StoppedClock(Clock):
    """A clock that moves only when told to (injected into the bucket)."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def test_leaky_bucket_arithmetic_with_an_injected_clock() -> None:
    clock = StoppedClock()
    bucket = LeakyBucket(2000, 100, clock)
    assert bucket.reserve(862) == (True, 1138)  # the requested cost is held ...
    assert (
        bucket.settle(862, 158) == 2000 - 158
    )  # ... then the difference refunded (live report: 4000 -> 3842)
    assert bucket.reserve(1900) == (False, 1842)  # short: nothing is taken
    clock.now = 0.5
    assert bucket.available() == 1892  # 100 points/s
    clock.now = 100
    assert bucket.available() == 2000  # never above the bucket size
    assert bucket.status(1234.9) == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1234,
        "restoreRate": 100.0,
    }


def test_a_server_runs_on_an_injected_clock() -> None:
    clock = StoppedClock()
    server = DemoStoreServer(build_config(products=5), clock=clock).start()
    try:
        client = GraphQL(server)
        first = client("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
        assert first == 1999
        clock.now = 1000  # the bucket refills on the injected clock only
        assert (
            client("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 1999
        )
    finally:
        server.stop()
