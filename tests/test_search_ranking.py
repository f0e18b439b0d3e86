"""Search over a synced catalog: typos, prefixes, variant SKUs, options, custom fields, price and intent
filters, and the merchant's preferences (weights, boosts, synonyms, stop words, pinned products).

Runs on SQLite, and on PostgreSQL with ``DATABASE_URL`` set: the expectations are the same for both.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.contract import CustomField, Variant
from hub.extensions import db
from hub.widget import vocabulary
from hub.widget.preferences import Preferences
from hub.widget.search import SearchOptions, find
from tests.widget_support import add_catalog, make_site, product

BRANDS = [("1", "Le Parfait"), ("2", "Fog Linen")]
CATEGORIES = [("10", "Mugs"), ("11", "Table Linen"), ("12", "Sofas")]


def _catalog():
    def colours(pid, *pairs):
        return [Variant(id=f"{pid}-{i}", sku=sku, option_values=[{"option": "Colour", "value": value}])
                for i, (sku, value) in enumerate(pairs)]  # fmt: skip

    return [
        product(1, "Stoneware Coffee Mug", sku="MUG-1", category_ids=["10"], price="14.00",
                variants=colours(1, ("MUG-1-RED", "Red"), ("MUG-1-BLU", "Blue"))),
        product(2, "Enamel Camping Mug", sku="MUG-2", category_ids=["10"], price="24.00", sale_price="18.00"),
        product(3, "Porcelain Espresso Cup", sku="CUP-3", category_ids=["10"], price="9.00", in_stock=False),
        product(4, "Chambray Linen Towel", sku="FLT-4", brand_ids=["2"], category_ids=["11"], price="18.00",
                custom_fields=[CustomField(name="Material", value="Flax")]),
        product(5, "Linen Napkins", sku="FLN-5", brand_ids=["2"], category_ids=["11"], price="22.00",
                tags=["wedding"]),
        product(6, "Velvet Sofa", sku="SOF-6", category_ids=["12"], price="900.00",
                description="<p>A deep couch for lazy Sundays.</p>"),
        product(7, "Le Parfait Jar 1L", sku="LPJ-7", brand_ids=["1"], price="12.50"),
        product(8, "Mug Tree", sku="TREE-8", price="30.00", description="<p>Holds six mugs.</p>"),
    ]  # fmt: skip


@pytest.fixture
def site(app):
    with app.app_context():
        vocabulary.forget()
        site = make_site()
        add_catalog(site.id, _catalog(), BRANDS, CATEGORIES)
        yield site
        vocabulary.forget()


def _search(site, query, prefs=None, partial=False, **opts):
    answer = find(db.session, site.id, query, SearchOptions(**{"limit": 10, **opts}), prefs=prefs,
                  currency="USD", partial=partial)  # fmt: skip
    return [p.name for p, _ in answer.rows], answer


def test_typo_finds_the_product_and_says_so(site):
    names, answer = _search(site, "chambrey towl")
    assert names == ["Chambray Linen Towel"]
    assert answer.understanding.corrected == "chambray towel"
    names, _ = _search(site, "chambrey", prefs=Preferences(typo_tolerance=False))
    assert names == []


def test_prefix_while_typing(site):
    assert _search(site, "espr", partial=True)[0] == ["Porcelain Espresso Cup"]
    assert _search(site, "espr")[0] == []  # a finished word is not a prefix


def test_variant_skus_options_custom_fields_and_tags_are_searchable(site):
    assert _search(site, "MUG-1-BLU")[0] == ["Stoneware Coffee Mug"]
    assert _search(site, "flax")[0] == ["Chambray Linen Towel"]
    assert _search(site, "wedding")[0] == ["Linen Napkins"]
    names, answer = _search(site, "blue mug")
    assert names[0] == "Stoneware Coffee Mug"
    assert ("option", "blue") in [(c.kind, c.label) for c in answer.understanding.chips]


def test_price_sale_and_stock_constraints(site):
    names, answer = _search(site, "mug under $20")
    # "mug" names the Mugs category (its products, the cup too); the Mug Tree costs more. Without other
    # words, the boosts order them: in stock and on sale, in stock, neither.
    assert names == ["Enamel Camping Mug", "Stoneware Coffee Mug", "Porcelain Espresso Cup"]
    assert [c.label for c in answer.understanding.chips] == ["under $20", "Mugs"]
    assert _search(site, "mug on sale")[0] == ["Enamel Camping Mug"]
    assert "Porcelain Espresso Cup" not in _search(site, "cup in stock")[0]
    assert _search(site, "under 13")[0] == ["Le Parfait Jar 1L", "Porcelain Espresso Cup"]
    assert _search(site, "sofa 100-1000 dollars")[0] == ["Velvet Sofa"]


def test_brand_filter_and_relaxed_category(site):
    names, answer = _search(site, "fog linen napkins")
    assert names == ["Linen Napkins"] and answer.understanding.brand == ("2", "Fog Linen")
    # "mug" names the Mugs category, but the Mug Tree is not in it: nothing else matched, so the
    # category is relaxed into a word only when the filter finds nothing; here it finds the mugs.
    names, answer = _search(site, "mugs")
    assert "Stoneware Coffee Mug" in names and answer.relaxed == []


def test_merchant_weights_boosts_synonyms_stop_words_and_pins(site):
    base = Preferences()
    # "mug": both mugs match by name; the cup is out of stock, the mug tree only ranks on its name too.
    names, _ = _search(site, "mug")
    assert names[-1] != "Stoneware Coffee Mug"
    assert _search(site, "couch")[0] == ["Velvet Sofa"]  # through the description
    assert _search(site, "couch", prefs=replace(base, weights={**base.weights, "description": 0}))[0] == []
    synonyms = replace(base, synonyms=[["settee", "sofa"]])
    assert _search(site, "settee", prefs=synonyms)[0] == ["Velvet Sofa"]
    assert _search(site, "velvet please", prefs=replace(base, stop_words=["please"]))[0] == ["Velvet Sofa"]
    pinned = replace(base, pinned={"mug": ["7"]})
    assert _search(site, "mug", prefs=pinned)[0][0] == "Le Parfait Jar 1L"


def test_in_stock_boost_changes_the_order(site):
    cup_first = replace(Preferences(), boost_in_stock=0, weights={**Preferences().weights, "categories": 20})
    names, _ = _search(site, "mugs espresso cup", prefs=cup_first)
    assert names[0] == "Porcelain Espresso Cup"
    names, _ = _search(site, "mugs", prefs=replace(cup_first, boost_in_stock=50))
    assert names.index("Porcelain Espresso Cup") == len(names) - 1


def test_did_you_mean_when_nothing_matches(site):
    names, answer = _search(site, "chambrei")  # two edits away: not corrected silently
    assert names == [] and answer.did_you_mean == "chambray"
    assert _search(site, answer.did_you_mean)[0] == ["Chambray Linen Towel"]
    names, answer = _search(site, "chambrei towl")  # the typo one edit away is fixed, so a word matches
    assert names == ["Chambray Linen Towel"] and answer.did_you_mean == "chambrei towel"
    assert _search(site, "zeppelin")[1].did_you_mean is None  # nothing close: no guess
