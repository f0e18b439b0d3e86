"""GraphQL execution details: fragments, aliases, directives, introspection, root productVariants, index lag."""

from __future__ import annotations

from typing import Any

from shopify_demo_support import GraphQL

VARIANTS = """query($first: Int, $last: Int, $after: String, $before: String, $reverse: Boolean, $query: String) {
  productVariants(first: $first, last: $last, after: $after, before: $before, reverse: $reverse, query: $query) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id sku product { id } } } }"""


def variant_ids(client: GraphQL, **variables: Any) -> list[str]:
    out, cursor = [], None
    backward = "last" in variables
    while True:
        conn = client(VARIANTS, {**variables, ("before" if backward else "after"): cursor})["data"][
            "productVariants"
        ]
        ids = [n["id"] for n in conn["nodes"]]
        out = ids + out if backward else out + ids
        info = conn["pageInfo"]
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return out
        cursor = info["startCursor"] if backward else info["endCursor"]


def test_fragments_aliases_and_directives(gql: GraphQL) -> None:
    query = """
    fragment Basics on Product { id title }
    query($withMedia: Boolean!) {
      first: products(first: 2) { nodes { ...Basics name: title
        media(first: 3) @include(if: $withMedia) {
          nodes { __typename ... on MediaImage { image { url } } ... on Video { duration } } }
        featuredMedia @skip(if: $withMedia) { id } } }
      again: products(first: 1) { nodes { id } }
    }"""  # fmt: skip
    data = gql(query, {"withMedia": True})["data"]
    node = data["first"]["nodes"][0]
    assert node["name"] == node["title"] and "featuredMedia" not in node
    assert all(m["__typename"] in ("MediaImage", "Video") for m in node["media"]["nodes"])
    assert all(("image" in m) == (m["__typename"] == "MediaImage") for m in node["media"]["nodes"])
    assert data["again"]["nodes"][0]["id"] == node["id"]
    other = gql(query, {"withMedia": False})["data"]["first"]["nodes"][0]
    assert "media" not in other and "featuredMedia" in other


def test_introspection_is_answered(gql: GraphQL) -> None:
    body = gql(
        '{ __schema { queryType { name } } __type(name: "ProductStatus") { enumValues { name } } shop { name } }'
    )
    assert body["data"]["__schema"] == {"queryType": {"name": "QueryRoot"}}
    assert {v["name"] for v in body["data"]["__type"]["enumValues"]} == {
        "ACTIVE",
        "ARCHIVED",
        "DRAFT",
        "UNLISTED",
    }
    assert body["data"]["shop"]["name"] == "Claudery Demo Shop"


def test_product_variants_pages_every_variant_in_id_order(gql: GraphQL) -> None:
    truth = gql.admin("GET", f"shops/{gql.shop}/catalog")["products"]
    expected = sorted((v["id"] for p in truth for v in p["variants"]), key=lambda g: int(g.rsplit("/", 1)[1]))
    assert variant_ids(gql, first=250) == expected
    assert variant_ids(gql, last=173) == expected
    assert variant_ids(gql, first=199, reverse=True) == expected[::-1]
    product = next(p for p in truth if p["variantsCount"]["count"] > 3)
    one = variant_ids(gql, first=2, query=f"product_id:{product['legacyResourceId']}")
    assert one == [v["id"] for v in product["variants"]]
    sku = next(v["sku"] for v in product["variants"] if v["sku"])
    assert variant_ids(gql, first=50, query=f"sku:{sku}") == [
        v["id"] for p in truth for v in p["variants"] if v["sku"] == sku
    ]


def test_product_variants_count_ignores_its_query_unless_told(gql: GraphQL, make_server) -> None:
    total = gql("{ productVariantsCount { count } }")["data"]["productVariantsCount"]["count"]
    assert (
        gql('{ productVariantsCount(query: "sku:nothing") { count } }')["data"]["productVariantsCount"][
            "count"
        ]
        == total
    )
    server = make_server(products=20, throttle=False, variants_count_ignores_query=False)
    client = GraphQL(server)
    counted = client('{ productVariantsCount(query: "sku:nothing") { count } }')
    assert counted["data"]["productVariantsCount"]["count"] == 0


def test_search_index_lag_hides_fresh_changes_from_filtered_queries(make_server) -> None:
    server = make_server(products=20, throttle=False, search_index_lag_s=30)
    client = GraphQL(server)
    made = client.admin("POST", f"shops/{server.shop}/products", {"title": "Fresh", "tags": "brand-new"})[
        "data"
    ]
    query = '{ products(first: 5, query: "tag:brand-new") { nodes { id } } }'
    assert client(query)["data"]["products"]["nodes"] == []
    assert made["id"] in {
        n["id"] for n in client("{ products(first: 250) { nodes { id } } }")["data"]["products"]["nodes"]
    }
    client.admin("PUT", "clock", {"advance_s": 31})
    assert client(query)["data"]["products"]["nodes"] == [{"id": made["id"]}]
