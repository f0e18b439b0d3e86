"""The catalog generator: the byte templates agree with orjson, determinism, realism, the cache budget."""

from __future__ import annotations

import orjson
import pytest
from claudery_bigcommerce.demo_store import generator as gen
from claudery_bigcommerce.demo_store.catalog import Catalog

HASH = "demo7x2k9q"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(HASH, 42, 6000)


def _pieces(cat: Catalog, pid: int) -> gen.Pieces:
    return gen.product_pieces(cat.seed, cat.cores[pid], HASH)


def test_templates_produce_exactly_what_orjson_would(catalog: Catalog) -> None:
    # Every piece is valid JSON in orjson's canonical form, so the byte path (generated products) and the
    # dict path (edited products: parsed, changed, dumped) cannot differ in shape or number formatting.
    for pid in catalog.ids[:1500] + [pid for pid in catalog.ids if catalog.cores[pid].n_variants > 60]:
        p = _pieces(catalog, pid)
        for piece in (p.base + b"}", p.variants, p.images, p.custom_fields, p.options, p.primary_image):
            assert orjson.dumps(orjson.loads(piece)) == piece, (pid, piece[:200])
        base = orjson.loads(p.base + b"}")
        variants = orjson.loads(p.variants)
        assert base["description"] == gen.description(catalog.seed, pid)  # the keyword filter's view
        assert len(variants) == max(1, catalog.cores[pid].n_variants)
        assert base["base_variant_id"] == (variants[0]["id"] if len(variants) == 1 else None)
        assert len(orjson.loads(p.images)) == p.n_images


def test_generation_is_deterministic_per_seed_and_id(catalog: Catalog) -> None:
    again = Catalog(HASH, 42, 6000)
    other = Catalog(HASH, 7, 6000)
    for pid in catalog.ids[:200]:
        a, b = _pieces(catalog, pid), _pieces(again, pid)
        assert (a.base, a.variants, a.images, a.custom_fields) == (
            b.base,
            b.variants,
            b.images,
            b.custom_fields,
        )
    assert [_pieces(catalog, p).base for p in catalog.ids[:20]] != [
        gen.product_pieces(7, other.cores[p], HASH).base for p in other.ids[:20] if p in other.cores
    ]


def test_variant_option_and_image_ids_are_unique(catalog: Catalog) -> None:
    variant_ids: set[int] = set()
    value_ids: set[int] = set()
    for pid in catalog.ids[:3000]:
        p = _pieces(catalog, pid)
        for v in orjson.loads(p.variants):
            assert v["id"] not in variant_ids and v["product_id"] == pid
            variant_ids.add(v["id"])
        for option in orjson.loads(p.options):
            for value in option["option_values"]:
                assert value["id"] not in value_ids
                value_ids.add(value["id"])
    assert max(c.n_variants for c in catalog.cores.values()) < 1000  # ids are product_id * 1000 + k


def test_catalog_has_the_realism_the_issue_asks_for(catalog: Catalog) -> None:
    products = [orjson.loads(_pieces(catalog, pid).base + b"}") for pid in catalog.ids[:3000]]
    pieces = [_pieces(catalog, pid) for pid in catalog.ids[:3000]]
    counts = [catalog.cores[pid].n_variants for pid in catalog.ids]
    assert counts.count(1) / len(counts) > 0.7 and any(10 <= c <= 60 for c in counts) and max(counts) >= 250
    assert any(not p["is_visible"] for p in products) and any(p["price"] == 0 for p in products)
    assert any(p["sale_price"] for p in products) and any(p["sku"] == "" for p in products)
    assert any(isinstance(p["price"], int) and p["price"] for p in products)  # integral prices as integers
    assert any("&amp;" in p["name"] or "&quot;" in p["name"] for p in products)
    assert any(any(ord(ch) > 127 for ch in p["name"]) for p in products)
    assert any(len(p["description"]) > 10_000 for p in products) and all(
        "<" in p["description"] for p in products
    )
    assert {p["availability"] for p in products} == {"available", "disabled", "preorder"}
    assert {p.n_images for p in pieces} == {0, 1, 2, 3, 4, 5}
    assert any(p.custom_fields != b"[]" for p in pieces) and any(p.custom_fields == b"[]" for p in pieces)
    image = orjson.loads(next(p.primary_image for p in pieces if p.n_images))
    assert image["is_thumbnail"] and image["url_standard"].startswith(
        f"https://cdn11.bigcommerce.com/s-{HASH}/"
    )
    assert {"url_zoom", "url_thumbnail", "url_tiny"} <= set(image)


def test_edited_values_needing_escapes_stay_valid_json() -> None:
    cat = Catalog(HASH, 42, 50)
    pid = cat.ids[5]  # a huge product (forced variants)
    cat.update(pid, {"name": 'Say "hi" \\ ok', "sku": 'SK"U', "price": 10, "is_visible": False})
    product = cat.full_product(pid)
    assert product["name"] == 'Say "hi" \\ ok' and product["price"] == 10 and product["is_visible"] is False
    assert product["variants"][1]["sku"] == 'SK"U-1' and len(product["variants"]) >= 250
    cat.update(pid, {"description": "<p>Edited</p>", "custom_fields": []})
    body = cat.pieces(pid)
    assert orjson.loads(body.base + b"}")["description"] == "<p>Edited</p>" and body.custom_fields == b"[]"


def test_cache_is_bounded_by_memory() -> None:
    cat = Catalog(HASH, 42, 2000, cache_mb=0.5)
    for pid in cat.ids:
        cat.pieces(pid)
    assert cat._cache_bytes <= 0.5 * 1024 * 1024 and 0 < len(cat._cache) < 2000
    assert cat._cache_bytes == sum(p.size for p in cat._cache.values())
