"""Cursor paging: keyset cursors, sort keys, search filters, nested connections, and churn while paging."""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

from shopify_demo_support import GraphQL

PAGE = """query Page($first: Int, $last: Int, $after: String, $before: String, $sortKey: ProductSortKeys,
                 $reverse: Boolean, $query: String) {
  products(first: $first, last: $last, after: $after, before: $before, sortKey: $sortKey, reverse: $reverse,
           query: $query) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id updatedAt status }
  }
}"""


def page_all(client: GraphQL, size: int = 50, **variables: Any) -> list[dict[str, Any]]:
    """Every node of a forward paging run."""
    rows, after = [], None
    for _ in range(1000):
        conn = client(PAGE, {"first": size, "after": after, **variables})["data"]["products"]
        rows.extend(conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            return rows
        after = conn["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


def truth(client: GraphQL) -> list[dict[str, Any]]:
    return client.admin("GET", f"shops/{client.shop}/catalog")["products"]


def test_forward_paging_by_id_returns_the_whole_catalog_in_order(gql: GraphQL) -> None:
    rows = page_all(gql, 47)
    expected = [p["id"] for p in truth(gql)]
    assert [r["id"] for r in rows] == expected and len(expected) == 300


def test_cursors_are_base64_json_keysets(gql: GraphQL) -> None:
    conn = gql(PAGE, {"first": 2, "sortKey": "UPDATED_AT"})["data"]["products"]
    cursor = json.loads(base64.b64decode(conn["pageInfo"]["endCursor"]))
    last = conn["nodes"][-1]
    assert cursor["last_id"] == int(last["id"].rsplit("/", 1)[1])
    assert cursor["last_value"] == last["updatedAt"].replace("T", " ").replace("Z", ".000000")


def test_backward_and_reverse_paging_agree_with_forward(gql: GraphQL) -> None:
    forward = [r["id"] for r in page_all(gql, 50)]
    reverse = [r["id"] for r in page_all(gql, 50, reverse=True)]
    assert reverse == forward[::-1]
    backward, before = [], None
    while True:
        conn = gql(PAGE, {"last": 40, "before": before})["data"]["products"]
        backward = [n["id"] for n in conn["nodes"]] + backward
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        before = conn["pageInfo"]["startCursor"]
    assert backward == forward
    middle = gql(
        PAGE, {"first": 10, "after": gql(PAGE, {"first": 10})["data"]["products"]["pageInfo"]["endCursor"]}
    )
    assert middle["data"]["products"]["pageInfo"]["hasPreviousPage"] is True


def test_updated_at_filter_and_sort_match_the_ground_truth(gql: GraphQL) -> None:
    products = truth(gql)
    bound = sorted(p["updatedAt"] for p in products)[200]
    rows = page_all(gql, 25, sortKey="UPDATED_AT", query=f"updated_at:>='{bound}'")
    expected = sorted((p for p in products if p["updatedAt"] >= bound),
                      key=lambda p: (p["updatedAt"], int(p["legacyResourceId"])))  # fmt: skip
    assert [r["id"] for r in rows] == [p["id"] for p in expected]
    assert len(rows) >= 100  # ties at one timestamp (batch imports) are broken by id


def test_search_terms_filter_like_shopify(gql: GraphQL) -> None:
    products = truth(gql)
    vendor = products[0]["vendor"]
    rows = page_all(gql, 100, query=f"vendor:'{vendor}' AND status:active")
    assert {r["id"] for r in rows} == {
        p["id"] for p in products if p["vendor"] == vendor and p["status"] == "ACTIVE"
    }
    tagged = page_all(gql, 100, query="tag:eco")
    assert {r["id"] for r in tagged} == {p["id"] for p in products if "eco" in p["tags"]}
    unfiltered = {r["status"] for r in page_all(gql, 250)}
    assert {"ACTIVE", "DRAFT", "ARCHIVED"} <= unfiltered  # no status filter: every status (observed)
    # an unquoted timestamp is cut at its colon: it filters by day
    day = sorted(p["updatedAt"] for p in products)[150][:10]
    unquoted = page_all(gql, 250, query=f"updated_at:>={day}T23:59:59Z")
    assert {r["id"] for r in unquoted} == {p["id"] for p in products if p["updatedAt"][:10] >= day}


def test_status_default_is_a_switch(make_server) -> None:
    server = make_server(products=100, throttle=False, status_filter_default="active")
    assert {r["status"] for r in page_all(GraphQL(server), 100)} == {"ACTIVE"}


def test_nested_variants_page_to_the_end_of_a_huge_product(gql: GraphQL) -> None:
    huge = max(truth(gql), key=lambda p: p["variantsCount"]["count"])
    assert huge["variantsCount"]["count"] == 2000
    query = """query($id: ID!, $after: String) { product(id: $id) { variants(first: 250, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { id position selectedOptions { name value } } } } }"""
    seen, after = [], None
    while True:
        conn = gql(query, {"id": huge["id"], "after": after})["data"]["product"]["variants"]
        seen.extend(conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert [v["position"] for v in seen] == list(range(1, 2001))
    assert [v["id"] for v in seen] == [v["id"] for v in huge["variants"]]
    assert len({tuple((o["name"], o["value"]) for o in v["selectedOptions"]) for v in seen}) == 2000


def test_nested_connections_report_truncation(gql: GraphQL) -> None:
    query = """{ products(first: 250) { nodes { id variantsCount { count } mediaCount { count }
        variants(first: 5) { pageInfo { hasNextPage } nodes { id } }
        media(first: 5) { pageInfo { hasNextPage } nodes { id } } } } }"""
    nodes = gql(query)["data"]["products"]["nodes"]
    for node in nodes:
        assert node["variants"]["pageInfo"]["hasNextPage"] == (node["variantsCount"]["count"] > 5)
        assert len(node["variants"]["nodes"]) == min(5, node["variantsCount"]["count"])
        assert node["media"]["pageInfo"]["hasNextPage"] == (node["mediaCount"]["count"] > 5)
    assert any(n["mediaCount"]["count"] == 0 for n in nodes) and any(
        n["mediaCount"]["count"] == 50 for n in nodes
    )


def test_paging_by_id_is_exact_under_churn(make_server) -> None:
    server = make_server(products=400, throttle=False,
                         paging_changes={"enabled": True, "delete": 3, "add": 3, "modify": 3})  # fmt: skip
    client = GraphQL(server)
    before = {p["id"] for p in truth(client)}
    rows = page_all(client, 40)
    events = client.admin("GET", f"shops/{client.shop}/events")["data"]
    deleted = {e["id"] for e in events if e["kind"] == "deleted"}
    created = [e["id"] for e in events if e["kind"] == "created"]
    assert deleted and created and any(e["kind"] == "updated" for e in events)
    seen = Counter(r["id"] for r in rows)
    assert max(seen.values()) == 1  # a keyset never repeats a row
    assert before - deleted <= set(seen)  # every product present throughout was seen
    # new ids are above every cursor: a forward run reaches all but those made after its last page
    assert set(created[:-3]) <= set(seen) and not set(created[-3:]) & set(seen)
    assert [r["id"] for r in rows] == sorted(seen, key=lambda g: int(g.rsplit("/", 1)[1]))


def test_paging_by_updated_at_under_churn_misses_nothing(make_server) -> None:
    server = make_server(products=300, throttle=False,
                         paging_changes={"enabled": True, "delete": 1, "add": 1, "modify": 5})  # fmt: skip
    client = GraphQL(server)
    before = {p["id"] for p in truth(client)}
    rows = page_all(client, 30, sortKey="UPDATED_AT")
    deleted = {
        e["id"] for e in client.admin("GET", f"shops/{client.shop}/events")["data"] if e["kind"] == "deleted"
    }
    assert before - deleted <= {r["id"] for r in rows}
    # an edited product moves to the end of UPDATED_AT order: seen again there, as on Shopify
    keys = [(r["updatedAt"], int(r["id"].rsplit("/", 1)[1])) for r in rows]
    assert len(rows) >= len(before - deleted) and keys[-1] == max(keys)
