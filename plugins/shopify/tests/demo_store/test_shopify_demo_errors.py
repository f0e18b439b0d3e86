"""Shopify's error shapes: GraphQL validation, pagination arguments, scopes, auth, shop states, routing."""

from __future__ import annotations

import requests
from claudery_shopify.demo_store.server import DemoStoreServer
from shopify_demo_support import GraphQL

INVALID_TOKEN = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def only_error(body: dict) -> dict:
    assert "data" not in body, body
    [error] = body["errors"]
    return error


def test_syntax_error_is_a_parse_error(gql: GraphQL) -> None:
    error = only_error(gql("query {\n  shop {\n    name"))
    assert error["message"] == "syntax error, unexpected end of file at [3, 9]"
    assert error["extensions"] == {"code": "PARSE_ERROR"}


def test_unknown_field_is_undefined_field_with_its_path(gql: GraphQL) -> None:
    error = only_error(gql("query Probe { products(first: 1) { nodes { id definitelyNotAProductField } } }"))
    assert error["message"] == "Field 'definitelyNotAProductField' doesn't exist on type 'Product'"
    assert error["extensions"] == {"code": "undefinedField", "typeName": "Product",
                                   "fieldName": "definitelyNotAProductField"}  # fmt: skip
    assert error["path"] == ["query Probe", "products", "nodes", "definitelyNotAProductField"]
    assert only_error(gql("{ shopp { name } }"))["extensions"]["typeName"] == "QueryRoot"


def test_object_without_selection_and_bad_arguments(gql: GraphQL) -> None:
    error = only_error(gql("{ shop }"))
    assert error["message"] == ("Field must have selections (field 'shop' returns Shop but has no selections. "
                                "Did you mean 'shop { ... }'?)")  # fmt: skip
    error = only_error(gql("{ products(first: 1, colour: RED) { nodes { id } } }"))
    assert error["message"] == "Field 'products' doesn't accept argument 'colour'"
    assert error["extensions"]["code"] == "argumentNotAccepted"


def test_invalid_variable(gql: GraphQL) -> None:
    error = only_error(gql("query($n: Int!) { products(first: $n) { nodes { id } } }", {"n": "ten"}))
    assert error["message"] == "Variable $n of type Int! was provided invalid value"
    assert error["extensions"]["code"] == "INVALID_VARIABLE" and error["extensions"]["value"] == "ten"


def test_pagination_argument_errors_are_bad_request(gql: GraphQL) -> None:
    messages = {
        "": "you must provide one of first or last",
        "first: 1, last: 1": "providing both first and last is not supported",
        "first: 251": "first cannot exceed 250. To query larger amounts of data with fewer limits, bulk "
        "operations should be used instead.",
    }
    for args, message in messages.items():
        body = gql(f"{{ products{f'({args})' if args else ''} {{ nodes {{ id }} }} }}")
        assert body["data"] == {"products": None}
        [error] = body["errors"]
        assert (error["message"], error["extensions"]["code"], error["path"]) == (
            message,
            "BAD_REQUEST",
            ["products"],
        )
        assert "cost" in body["extensions"]


def test_missing_scope_gives_partial_data_with_access_denied(shared: DemoStoreServer) -> None:
    client = GraphQL(shared, token="no-scopes-token")
    body = client("{ shop { name } products(first: 1) { nodes { id } } }")
    assert body["data"] == {"shop": {"name": "Claudery Demo Shop"}, "products": None}
    [error] = body["errors"]
    assert (
        error["message"] == "Access denied for products field. Required access: `read_products` access scope."
    )
    assert error["path"] == ["products"] and error["locations"] == [{"line": 1, "column": 17}]
    assert error["extensions"] == {"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                                   "requiredAccess": "`read_products` access scope."}  # fmt: skip
    scopes = client("{ currentAppInstallation { accessScopes { handle } } }")["data"]
    assert scopes["currentAppInstallation"]["accessScopes"] == []
    writer = GraphQL(shared, token="writer-token")  # write_products implies read_products
    assert writer("{ products(first: 1) { nodes { id } } }")["data"]["products"]["nodes"]


def test_inventory_scope_is_a_switch(make_server) -> None:
    server = make_server(products=10, throttle=False, inventory_requires_read_inventory=True)
    body = GraphQL(server)("{ products(first: 1) { nodes { id totalInventory } } }")
    assert body["data"]["products"]["nodes"][0]["totalInventory"] is None
    assert body["errors"][0]["extensions"]["requiredAccess"] == "`read_inventory` access scope."


def test_auth_and_shop_errors_have_shopify_bodies(shared: DemoStoreServer, gql: GraphQL) -> None:
    for token in ("", "shpat_wrong"):
        resp = gql.post("{ shop { name } }", token=token)
        assert (resp.status_code, resp.json()) == (401, INVALID_TOKEN)
    bearer = requests.post(shared.graphql_url(), json={"query": "{ shop { name } }"},
                           headers={"Authorization": f"Bearer {shared.access_token}"}, timeout=10)  # fmt: skip
    assert bearer.status_code == 401
    unknown = requests.post(
        shared.graphql_url(handle="no-such-shop"), json={"query": "{ shop { name } }"}, timeout=10
    )
    assert (unknown.status_code, unknown.json()) == (404, {"errors": "Not Found"})
    other_shop = GraphQL(shared, shop="second-shop").post("{ shop { name } }")  # a token is per shop
    assert other_shop.status_code == 401


def test_frozen_and_locked_shops(make_server) -> None:
    server = make_server(products=5, state="frozen")
    client = GraphQL(server)
    resp = client.post("{ shop { name } }")
    assert (resp.status_code, resp.json()) == (402, {"errors": "Unavailable Shop"})
    client.admin("PUT", f"shops/{server.shop}/state", {"state": "locked"})
    resp = client.post("{ shop { name } }")
    assert (resp.status_code, resp.json()) == (423, {"errors": "The requested shop is currently locked"})
    client.admin("PUT", f"shops/{server.shop}/state", {"state": "active"})
    assert client.post("{ shop { name } }").status_code == 200


def test_unknown_shop_html_body_is_a_switch(make_server) -> None:
    server = make_server(products=5, unknown_shop_body="html")
    resp = requests.post(server.graphql_url(handle="nope"), json={"query": "{ shop { name } }"}, timeout=10)
    assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/html")


def test_shop_by_host_header_and_versions(shared: DemoStoreServer) -> None:
    def post(version: str, host: str = "claudery-demo.myshopify.com") -> requests.Response:
        return requests.post(f"{shared.base_url}/admin/api/{version}/graphql.json", json={"query": "{ shop { name } }"},
                             headers={"Host": host, "X-Shopify-Access-Token": shared.access_token},
                             timeout=10)  # fmt: skip

    ok = post("2026-07")
    assert (
        ok.status_code == 200
        and ok.headers["X-Shopify-API-Version"] == "2026-07"
        and ok.headers["X-Request-Id"]
    )
    assert post("2024-01").headers["X-Shopify-API-Version"] == "2026-01"  # retired: falls forward
    assert post("unstable").headers["X-Shopify-API-Version"] == "unstable"
    assert post("2025-02").status_code == 404  # not a release (the guessed default)
    assert post("2026-10", host="unknown.myshopify.com").status_code == 404


def test_invalid_version_fall_forward_is_a_switch(make_server) -> None:
    server = make_server(products=5, invalid_version="fall_forward")
    resp = GraphQL(server).post("{ shop { name } }", version="2025-02")
    assert resp.status_code == 200 and resp.headers["X-Shopify-API-Version"] == "2026-01"


def test_bad_bodies(gql: GraphQL, shared: DemoStoreServer) -> None:
    headers = {"X-Shopify-Access-Token": shared.access_token, "Content-Type": "application/json"}
    for body in (b"not json", b"{}", b'{"query": ""}'):
        resp = requests.post(shared.graphql_url(), data=body, headers=headers, timeout=10)
        assert (resp.status_code, resp.json()) == (
            400,
            {"errors": {"query": "Required parameter missing or invalid"}},
        )
    raw = requests.post(shared.graphql_url(), data=b"{ shop { name } }", timeout=10,
                        headers={**headers, "Content-Type": "application/graphql"})  # fmt: skip
    assert raw.json()["data"]["shop"]["name"] == "Claudery Demo Shop"
    two_ops = gql("query A { shop { name } } query B { shop { name } }")
    assert two_ops["errors"][0]["message"] == "An operation name is required"


def test_node_lookups(gql: GraphQL) -> None:
    product = gql("{ products(first: 1) { nodes { id variants(first: 1) { nodes { id } } } } }")["data"][
        "products"
    ]["nodes"][0]
    variant_id = product["variants"]["nodes"][0]["id"]
    body = gql("query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on ProductVariant { product { id } } } }",
               {"ids": [product["id"], variant_id, "gid://shopify/Product/1"]})  # fmt: skip
    variant = {"__typename": "ProductVariant", "id": variant_id, "product": {"id": product["id"]}}
    assert body["data"]["nodes"] == [{"__typename": "Product", "id": product["id"]}, variant, None]
    assert gql('{ product(id: "gid://shopify/Product/1") { id } }')["data"] == {"product": None}
