"""Query understanding without a database: prices, intents, names, options, typos, prefixes, chips."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.widget.query import understand
from hub.widget.vocabulary import Vocabulary, osa_distance, stem


def _vocab() -> Vocabulary:
    vocab = Vocabulary()
    for name in ("Coffee Mug", "Linen Towel", "Wool Scarf", "Chambray Shirt", "Sofa Cushion", "Mason Jar"):
        vocab.add(name)
    vocab.brands = {"le parfait": ("1", "Le Parfait"), "fog linen": ("2", "Fog Linen")}
    vocab.categories = {"mugs": ("10", "Mugs"), "kitchen storage": ("11", "Kitchen Storage")}
    vocab.option_values = {"red", "xl"}
    vocab.add("red xl")
    vocab.cheap_price = Decimal("9.50")
    return vocab.freeze()


@pytest.mark.parametrize(
    ("query", "low", "high", "chip"),
    [
        ("mug under $20", None, Decimal("20"), "under $20"),
        ("scarf below 19.99", None, Decimal("19.99"), "under $19.99"),
        ("towel less than 30 euros", None, Decimal("30"), "under $30"),
        ("towel 20-50", Decimal("20"), Decimal("50"), "$20\u2013$50"),
        ("towel between 50 and 20 dollars", Decimal("20"), Decimal("50"), "$20\u2013$50"),
        ("scarf over 100", Decimal("100"), None, "over $100"),
        ("scarf < 15", None, Decimal("15"), "under $15"),
        ("cheap scarf", None, Decimal("9.50"), "cheap (under $9.5)"),
    ],
)
def test_price_constraints_in_common_forms(query, low, high, chip):
    u = understand(query, _vocab(), currency="USD")
    assert (u.price_min, u.price_max) == (low, high)
    assert [c.label for c in u.chips if c.kind == "price"] == [chip]
    assert all(g.word.isalpha() for g in u.groups)  # the amount and its words are not searched for


def test_chip_text_is_the_typed_text_so_removing_it_removes_the_constraint():
    query = "Mug UNDER €20 in stock"
    u = understand(query, _vocab(), currency="EUR")
    texts = {c.kind: c.text for c in u.chips}
    assert texts["price"] == "UNDER €20" and texts["in_stock"] == "in stock"
    again = understand(query.replace(texts["price"], ""), _vocab(), currency="EUR")
    assert again.price_max is None and again.in_stock


def test_stock_and_sale_intent():
    u = understand("linen towel on sale in stock", _vocab())
    assert u.in_stock and u.on_sale
    assert [g.word for g in u.groups] == ["linen", "towel"]


def test_brand_and_category_names_become_filters():
    u = understand("le parfait jar", _vocab())
    assert u.brand == ("1", "Le Parfait") and [g.word for g in u.groups] == ["jar"]
    u = understand("red mug", _vocab())  # a singular names the "Mugs" category
    assert u.category == ("10", "Mugs")
    assert [(c.kind, c.label) for c in u.chips] == [("category", "Mugs"), ("option", "red")]


def test_typos_are_corrected_from_the_catalog_vocabulary():
    u = understand("cofee scraf", _vocab())
    assert [g.alternatives for g in u.groups] == [["coffee"], ["scarf"]]
    assert u.corrected == "coffee scarf"
    assert [c.label for c in u.chips] == ["cofee \u2192 coffee", "scraf \u2192 scarf"]
    assert understand("cofee", _vocab(), typo_tolerance=False).groups[0].alternatives == ["cofee"]
    assert understand("tea", _vocab()).groups[0].alternatives == ["tea"]  # too short to guess


def test_last_word_is_a_prefix_while_typing():
    u = understand("linen to", _vocab(), partial=True)
    assert [(g.word, g.prefix) for g in u.groups] == [("linen", False), ("to", True)]  # not a stopword yet
    assert not understand("linen to ", _vocab(), partial=True).groups[-1].prefix  # a space ends the word


def test_synonyms_and_merchant_stop_words():
    u = understand("couch cushion gift", _vocab(), synonyms=[["sofa", "couch"]], stop_words=["gift"])
    assert [g.alternatives for g in u.groups] == [["couch", "sofa"], ["cushion"]]


def test_helpers():
    assert (
        osa_distance("mgu", "mug") == 1 and osa_distance("mug", "mugs") == 1 and osa_distance("a", "bcd") == 3
    )
    assert [stem(w) for w in ("boxes", "mugs", "glass", "berries")] == ["box", "mug", "glass", "berry"]
    assert _vocab().completions("sc") == ["scarf"]
