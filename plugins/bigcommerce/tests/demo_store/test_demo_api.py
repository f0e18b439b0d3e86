"""The demo store against the documented API: auth, envelopes, pagination, filters, fields."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from claudery_bigcommerce.demo_store.server import DemoStoreServer

Client = Any  # the conftest helper class (a fixture hands it out)

TYPE_ABS = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def all_products(client: Client, **params) -> list[dict]:
    out, page = [], 1
    while True:
        body = client.get("/v3/catalog/products", limit=250, page=page, **params).json()
        out += body["data"]
        if "next" not in body["meta"]["pagination"]["links"]:
            return out
        page += 1


# -- auth ------------------------------------------------------------------------------------------------
def test_wrong_token_is_401_with_documented_body(client: Client) -> None:
    r = client.get("/v3/catalog/products", token="nope")
    assert r.status_code == 401
    assert r.json()["status"] == 401 and r.json()["title"].startswith("Unauthorized")


def test_missing_token_is_401(client: Client) -> None:
    r = client.session.get(f"{client.server.base_url}/stores/{client.store_hash}/v3/catalog/products")
    assert r.status_code == 401


def test_missing_products_scope_is_403_with_documented_body(client: Client) -> None:
    r = client.get("/v3/catalog/products", token="info-only")
    assert r.status_code == 403
    assert r.json() == {"status": 403, "title": "You don't have a required scope to access the endpoint",
                        "type": TYPE_ABS, "errors": {}}  # fmt: skip
    assert client.get("/v2/store", token="info-only").status_code == 200


def test_missing_information_scope_is_403_v2_list_body(client: Client) -> None:
    r = client.get("/v2/store", token="products-only")
    assert r.status_code == 403
    body = r.json()
    assert isinstance(body, list) and body[0]["status"] == 403


def test_unknown_hash_is_404_by_default(client: Client, make_client) -> None:
    r = make_client(client.server, store_hash="nosuch").get("/v3/catalog/products")
    assert r.status_code == 404
    assert r.json()["title"] == "The resource at that URL is not found."


def test_unknown_hash_status_is_configurable(make_server, make_client) -> None:
    server = make_server(products=5, unknown_hash_status=403)
    assert make_client(server, store_hash="nosuch").get("/v3/catalog/products").status_code == 403


def test_401_text_body_variant(make_server, make_client) -> None:
    server = make_server(products=5, unauthorized_body="text")
    r = make_client(server).get("/v3/catalog/products", token="bad")
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/plain")


def test_token_of_one_store_does_not_open_another(client: Client, make_client) -> None:
    assert client.get("/v3/catalog/products", token="second-token").status_code == 401
    other = make_client(client.server, token="second-token", store_hash="second1")
    assert other.get("/v3/catalog/products").json()["meta"]["pagination"]["total"] == 20


def test_trailing_slash_quirk(client: Client) -> None:
    r = client.get("/v3/catalog/products/")
    assert r.status_code == 403 and r.json()["title"] == "Authentication Required"


# -- store info ----------------------------------------------------------------------------------------------
def test_v2_store_is_unwrapped_and_has_the_hash(client: Client) -> None:
    body = client.get("/v2/store").json()
    assert body["id"] == client.store_hash and "data" not in body
    assert isinstance(body["store_id"], str | int)
    assert body["secure_url"].startswith("https://")


def test_summary(client: Client) -> None:
    body = client.get("/v3/catalog/summary").json()
    assert body["meta"] == {}
    assert isinstance(body["data"]["lowest_variant_price"], str)
    assert body["data"]["variant_count"] >= 300


# -- pagination --------------------------------------------------------------------------------------------
def test_default_limit_and_envelope(client: Client) -> None:
    body = client.get("/v3/catalog/products").json()
    p = body["meta"]["pagination"]
    assert (p["total"], p["count"], p["per_page"], p["current_page"], p["total_pages"]) == (300, 50, 50, 1, 6)
    assert "previous" not in p["links"]
    assert p["links"]["current"] == "?limit=50&page=1" and p["links"]["next"] == "?limit=50&page=2"
    assert len(body["data"]) == 50


def test_links_keep_query_and_previous(client: Client) -> None:
    p = client.get("/v3/catalog/products", limit=100, page=3, sort="name").json()["meta"]["pagination"]
    assert p["links"] == {"previous": "?limit=100&sort=name&page=2", "current": "?limit=100&sort=name&page=3"}
    assert p["count"] == 100 and p["total_pages"] == 3


def test_page_past_the_end_is_empty(client: Client) -> None:
    body = client.get("/v3/catalog/products", limit=250, page=9).json()
    assert body["data"] == [] and body["meta"]["pagination"]["current_page"] == 9


def test_paging_covers_every_product_once(client: Client) -> None:
    ids = [p["id"] for p in all_products(client)]
    assert len(ids) == 300 == len(set(ids)) and ids == sorted(ids)
    assert any(b - a > 1 for a, b in itertools.pairwise(ids)), "ids should have gaps"


def test_limit_above_max_is_413_by_default(client: Client) -> None:
    r = client.get("/v3/catalog/products", limit=251)
    assert r.status_code == 413 and r.json()["status"] == 413


def test_limit_over_max_clamp_variant(make_server, make_client) -> None:
    r = make_client(make_server(products=300, quota=0, limit_over_max="clamp")).get(
        "/v3/catalog/products", limit=999
    )
    assert r.status_code == 200 and r.json()["meta"]["pagination"]["per_page"] == 250


def test_limit_not_integer_is_422(client: Client) -> None:
    r = client.get("/v3/catalog/products", limit="a")
    assert r.status_code == 422
    assert r.json()["title"] == 'Query parameter "limit" value must be integer. For input string: "a".'


def test_limit_250_is_allowed(client: Client) -> None:
    assert client.get("/v3/catalog/products", limit=250).json()["meta"]["pagination"]["count"] == 250


# -- filters -----------------------------------------------------------------------------------------------
def test_id_filters(client: Client) -> None:
    ids = [p["id"] for p in all_products(client)]
    mid = ids[100]

    def got(**params) -> list[int]:
        return [p["id"] for p in all_products(client, include_fields="id", **params)]

    assert got(id=mid) == [mid]
    assert got(**{"id:in": f"{ids[3]},{ids[7]},999999"}) == [ids[3], ids[7]]
    assert got(**{"id:not_in": f"{ids[0]},{ids[1]}"}) == ids[2:]
    assert got(**{"id:min": mid}) == ids[100:]
    assert got(**{"id:max": mid}) == ids[:101]
    assert got(**{"id:greater": mid}) == ids[101:]
    assert got(**{"id:less": mid}) == ids[:100]
    assert got(**{"id:greater": ids[10], "id:less": ids[20]}) == ids[11:20]


def test_is_visible_filter(client: Client) -> None:
    everything = all_products(client)
    hidden = [p["id"] for p in everything if not p["is_visible"]]
    assert hidden, "the catalog should contain hidden products"
    assert [p["id"] for p in all_products(client, is_visible="false")] == hidden
    assert len(all_products(client, is_visible="true")) == 300 - len(hidden)


def test_date_modified_filters(client: Client) -> None:
    everything = all_products(client)
    dates = sorted(p["date_modified"] for p in everything)
    cut = dates[150]
    newer = all_products(client, **{"date_modified:min": cut})
    assert {p["id"] for p in newer} == {p["id"] for p in everything if p["date_modified"] >= cut}
    older = all_products(client, **{"date_modified:max": cut.replace("+00:00", "Z")})
    assert {p["id"] for p in older} == {p["id"] for p in everything if p["date_modified"] <= cut}


def test_keyword_filter(client: Client) -> None:
    found = all_products(client, keyword="linen")
    assert found
    assert all("linen" in (p["name"] + p["sku"] + p["description"]).lower() or p["brand_id"] for p in found)


def test_sort_and_direction(client: Client) -> None:
    names = [p["name"] for p in client.get("/v3/catalog/products", sort="name", limit=250).json()["data"]]
    assert names == sorted(names)
    ids = [p["id"] for p in client.get("/v3/catalog/products", direction="desc", limit=10).json()["data"]]
    assert ids == sorted(ids, reverse=True)
    prices = [
        p["price"] for p in client.get("/v3/catalog/products", sort="price", direction="desc").json()["data"]
    ]
    assert prices == sorted(prices, reverse=True)
    assert client.get("/v3/catalog/products", sort="bogus").status_code == 422


# -- product shape, include, fields --------------------------------------------------------------------------
def test_product_shape_and_dates(client: Client) -> None:
    p = client.get("/v3/catalog/products", limit=1).json()["data"][0]
    for key in ("id", "name", "sku", "price", "sale_price", "calculated_price", "categories", "brand_id",
                "custom_url", "is_visible", "availability", "inventory_level", "base_variant_id"):  # fmt: skip
        assert key in p
    assert ISO.match(p["date_created"]) and ISO.match(p["date_modified"])
    assert set(p["custom_url"]) == {"url", "is_customized"}
    assert "variants" not in p and "images" not in p


def test_catalog_is_realistic(client: Client) -> None:
    everything = all_products(client, include="variants,images,custom_fields")
    assert any(p["sku"] == "" for p in everything)
    assert any(p["price"] == 0 for p in everything)
    assert any(p["sale_price"] > 0 for p in everything)
    assert any("&amp;" in p["name"] or "&quot;" in p["name"] for p in everything)
    assert any(any(ord(ch) > 127 for ch in p["name"]) for p in everything)
    assert any("<p>" in p["description"] for p in everything)
    counts = [len(p["variants"]) for p in everything]
    assert counts.count(1) > 200 and max(counts) >= 200 and any(10 <= c < 100 for c in counts)
    assert any(p["custom_fields"] for p in everything) and any(not p["images"] for p in everything)
    image = next(p["images"][0] for p in everything if p["images"])
    assert {"url_standard", "url_thumbnail", "url_zoom", "url_tiny"} <= set(image)


def test_include_subresources(client: Client) -> None:
    p = client.get(
        "/v3/catalog/products", limit=5, include="variants,images,custom_fields,primary_image"
    ).json()
    for product in p["data"]:
        assert {"variants", "images", "custom_fields", "primary_image"} <= set(product)
        assert all(v["product_id"] == product["id"] for v in product["variants"])


def test_include_fields_keeps_id_and_includes(client: Client) -> None:
    data = client.get(
        "/v3/catalog/products", limit=3, include_fields="name,price", include="variants"
    ).json()["data"]
    assert all(set(p) == {"id", "name", "price", "variants"} for p in data)


def test_exclude_fields_cannot_drop_id(client: Client) -> None:
    data = client.get("/v3/catalog/products", limit=3, exclude_fields="id,description,name").json()["data"]
    assert all("id" in p and "description" not in p and "name" not in p and "price" in p for p in data)


def test_options_limit_page_to_10(client: Client) -> None:
    body = client.get("/v3/catalog/products", limit=50, include="options").json()
    assert len(body["data"]) == 10 and body["meta"]["pagination"]["per_page"] == 10


# -- single product and sub-resources ------------------------------------------------------------------------
def test_single_product_and_404(client: Client) -> None:
    first = client.get("/v3/catalog/products", limit=1).json()["data"][0]
    r = client.get(f"/v3/catalog/products/{first['id']}", include="variants")
    assert r.json()["meta"] == {} and r.json()["data"]["id"] == first["id"] and "variants" in r.json()["data"]
    missing = client.get("/v3/catalog/products/1")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_subresources(client: Client) -> None:
    products = all_products(client, include="variants,images,custom_fields")
    big = max(products, key=lambda p: len(p["variants"]))
    r = client.get(f"/v3/catalog/products/{big['id']}/variants", limit=250).json()
    assert r["meta"]["pagination"]["total"] == len(big["variants"])
    assert r["data"] == big["variants"][:250]
    with_images = next(p for p in products if p["images"])
    assert (
        client.get(f"/v3/catalog/products/{with_images['id']}/images").json()["data"] == with_images["images"]
    )
    no_images = next(p for p in products if not p["images"])
    assert client.get(f"/v3/catalog/products/{no_images['id']}/images").status_code == 204
    with_fields = next(p for p in products if p["custom_fields"])
    got = client.get(f"/v3/catalog/products/{with_fields['id']}/custom-fields").json()["data"]
    assert got == with_fields["custom_fields"]
    variant = big["variants"][3]
    assert client.get(f"/v3/catalog/products/{big['id']}/variants/{variant['id']}").json()["data"] == variant


def test_categories_and_brands(client: Client) -> None:
    cats = client.get("/v3/catalog/categories", limit=250).json()
    assert cats["meta"]["pagination"]["total"] == len(cats["data"]) > 3
    assert all({"id", "parent_id", "name", "custom_url", "is_visible"} <= set(c) for c in cats["data"])
    brands = client.get("/v3/catalog/brands").json()["data"]
    assert brands and all({"id", "name", "custom_url"} <= set(b) for b in brands)
    product_brands = {p["brand_id"] for p in all_products(client)} - {0}
    assert product_brands <= {b["id"] for b in client.get("/v3/catalog/brands", limit=250).json()["data"]}


def test_category_trees_list_the_categories_as_the_trees_endpoint_does(
    client: Client, make_server, make_client
) -> None:
    legacy = client.get("/v3/catalog/categories", limit=250).json()["data"]
    listed = client.get("/v3/catalog/trees/categories", limit=250).json()
    assert listed["meta"]["pagination"]["total"] == len(legacy)
    assert [
        (c["category_id"], c["parent_id"], c["name"], c["url"]["path"], c["tree_id"]) for c in listed["data"]
    ] == [(c["id"], c["parent_id"], c["name"], c["custom_url"]["url"], 1) for c in legacy]
    assert len(client.get("/v3/catalog/trees/categories").json()["data"]) == min(
        50, len(legacy)
    )  # default limit
    child = next(c for c in legacy if c["parent_id"])
    by_parent = client.get("/v3/catalog/trees/categories", **{"parent_id:in": child["parent_id"]}).json()[
        "data"
    ]
    assert child["id"] in {c["category_id"] for c in by_parent}
    assert all(c["parent_id"] == child["parent_id"] for c in by_parent)
    picked = client.get("/v3/catalog/trees/categories", **{"category_id:in": f"{child['id']},999999"}).json()
    assert [c["category_id"] for c in picked["data"]] == [child["id"]]
    assert client.get("/v3/catalog/trees/categories", **{"tree_id:not_in": 1}).json()["data"] == []
    assert client.get("/v3/catalog/trees/categories", **{"category_id:in": "x"}).status_code == 422
    assert client.get("/v3/catalog/trees").json()["data"] == [{"id": 1, "name": "Default", "channels": [1]}]
    without = make_client(make_server(products=20, quota=0, category_trees=False))
    assert without.get("/v3/catalog/trees/categories").status_code == 404
    assert without.get("/v3/catalog/categories").status_code == 200


def test_deterministic_catalog(make_server, make_client, shared: DemoStoreServer) -> None:
    again = make_server(products=300, quota=0)
    a = make_client(shared).get("/v3/catalog/products", limit=20, include="variants,images").json()["data"]
    b = make_client(again).get("/v3/catalog/products", limit=20, include="variants,images").json()["data"]
    # Image URLs point at each server's own port; everything else is the same catalog.
    assert json.loads(json.dumps(a).replace(shared.base_url, "")) == json.loads(
        json.dumps(b).replace(again.base_url, "")
    )
    other = make_server(products=300, quota=0, seed=7)
    assert make_client(other).get("/v3/catalog/products", limit=20).json()["data"] != a[:20]
