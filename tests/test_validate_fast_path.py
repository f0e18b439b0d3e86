"""The check's fast path (one expression per variant, image, custom field) keeps only what the full check keeps.

``hub.sync.validate`` decides the common case (nothing to skip or repair) without the full per-field
check. That is only safe if every item the fast path lets through is one the full check would return
unchanged with nothing to report: each field of a clean item is replaced, one at a time, by hostile
values, and the two paths are compared on every result.
"""

from __future__ import annotations

import itertools
from dataclasses import fields, replace

import pytest

from hub.contract import CustomField, Image, Variant
from hub.sync import validate

HOSTILE = [
    None, "", " ", "\u2003", "a\x00b", "\x00", "x" * 255, "x" * 256, "1e26", "NaN", "Infinity", "-0",
    "12.50", "999999999999999.99", "1000000000000000", "١٢", "12,50", 0, 1, -1, 2**31, -(2**31) - 1, 2**40,
    1.5, True, False, [], [{}], [{"option": "Size", "value": "M"}], [{"option": 1, "value": "M"}],
    [{"option": "Size", "value": None}], [{"option": "Size", "value": "M\x00"}], ["M"], {}, {"tiny": "https://x/t"},
    {"tiny": 3}, {"t\x00": "https://x"}, "https://cdn.example/a.jpg", "http://cdn.example/a.jpg",
    "ftp://cdn.example/a.jpg", "https://cdn.example/\x00.jpg", b"bytes",
]  # fmt: skip

CLEAN = {
    "variant": (
        Variant(id="v1", sku="SKU-1", price="12.50", sale_price="10.00", inventory_level=3, in_stock=True,
                purchasable=True, option_values=[{"option": "Size", "value": "M"}], image_url="https://x/v.jpg"),
        validate._variant, validate._variant_kept,
    ),
    "image": (
        Image(id="i1", url="https://cdn.example/a.jpg", thumbnail_url="https://cdn.example/t.jpg", alt="A jar",
              sizes={"tiny": "https://cdn.example/tiny.jpg"}, is_thumbnail=True, sort_order=2),
        validate._image, validate._image_kept,
    ),
    "custom field": (
        CustomField(name="Material", value="Glass", id="f1"), validate._field, validate._field_kept,
    ),
}  # fmt: skip


def _full(check, item):
    """What the full check does with ``item``: ("kept", item), ("changed", new) or ("rejected", None)."""
    fix = validate._Repairs()
    try:
        result = check(item, fix)
    except validate.Invalid:
        return "rejected", None
    if result is item and not fix.notes:
        return "kept", result
    return "changed", result


@pytest.mark.parametrize("kind", list(CLEAN))
def test_the_fast_path_keeps_only_what_the_full_check_keeps(kind):
    clean, check, kept = CLEAN[kind]
    assert kept(clean) and _full(check, clean) == ("kept", clean)  # the common case takes the fast path
    taken = detoured = 0
    names = [f.name for f in fields(clean)]
    for name, value in itertools.product(names, HOSTILE):
        item = replace(clean, **{name: value})
        outcome = _full(check, item)
        if kept(item):
            taken += 1
            assert outcome == ("kept", item), (
                f"{kind}.{name} = {value!r}: fast path kept, full check {outcome[0]}"
            )
        else:
            detoured += 1
    assert taken and detoured  # both branches exercised


def test_a_whole_clean_list_is_returned_as_it_is_and_a_bad_item_still_reported():
    variants = [CLEAN["variant"][0], replace(CLEAN["variant"][0], id="v2", sku="SKU-2")]
    errors: list[str] = []
    assert validate._children(variants, "variant", validate._variant, validate._Repairs(), errors) is variants
    bad = [*variants, replace(CLEAN["variant"][0], id="v3", price="1e26")]
    kept = validate._children(bad, "variant", validate._variant, validate._Repairs(), errors)
    assert kept == variants and errors == [
        "variant #3 skipped: variant price (1e26) is not a plausible price"
    ]
