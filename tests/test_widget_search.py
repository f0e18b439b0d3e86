"""Widget search: the index follows the catalog through the sync engine's writes, and ranking is right."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.extensions import db
from hub.models import Brand, Category, Product
from hub.models.base import utcnow
from hub.widget.search import SearchOptions, find, search_ids, search_products, terms
from tests.widget_support import add_catalog, ingest_taxonomy, make_site, product

BRANDS = [("1", "Le Parfait"), ("2", "Fog Linen")]
CATEGORIES = [("10", "Kitchen Storage"), ("11", "Table Linen"), ("12", "Gifts")]


def _catalog():
    return [
        product(1, "Le Parfait Jar 1L", sku="LPJ-001", brand_ids=["1"], category_ids=["10"],
                description="<p>Classic French canning jar with rubber seal.</p>", price="12.50"),
        product(2, "Chambray Linen Towel", sku="FLT-200", brand_ids=["2"], category_ids=["11"],
                description="<p>Linen towel in two colours.</p>", price="18.00", sale_price="14.00"),
        product(3, "Jar Opener", sku="OPN-3", category_ids=["10"],
                description="<p>Opens any jar lid.</p>", price="6.00"),
        product(4, "Storage Boxes Set", sku="BOX-4", category_ids=["10"],
                description="<p>Three stackable boxes; great next to your jars.</p>", price="30.00"),
        product(5, "Linen Napkins", sku="NAP-5", brand_ids=["2"], category_ids=["11", "12"],
                description="<p>Four napkins.</p>", price="22.00", is_visible=False),
        product(6, "Wooden Spoon", sku="SPN-6", category_ids=["10"], description="<p>Beech.</p>",
                in_stock=False, inventory_level=0),
        product(7, "Crème brûlée Ramekins", sku="RAM-7", category_ids=["12"], description="<p>Set of 4.</p>"),
    ]  # fmt: skip


@pytest.fixture
def site(app):
    with app.app_context():
        site = make_site()
        add_catalog(site.id, _catalog(), BRANDS, CATEGORIES)
        yield site


def _names(site, query, **opts):
    rows = search_products(db.session, site.id, query, SearchOptions(**{"limit": 10, **opts}))
    return [p.name for p, _ in rows]


def test_terms_drop_stopwords_and_syntax():
    assert terms('I want "jars" AND (NEAR) lids* for my kitchen!') == ["jars", "near", "lids", "kitchen"]
    assert terms("   ") == []


def test_name_match_ranks_before_description_match(site):
    names = _names(site, "jar")
    assert set(names[:2]) == {"Le Parfait Jar 1L", "Jar Opener"}  # name matches first
    assert "Storage Boxes Set" in names  # "jars" in its description: a plural still matches


def test_plurals_and_case(site):
    assert _names(site, "JARS")[0] in ("Le Parfait Jar 1L", "Jar Opener")
    assert _names(site, "box")[0] == "Storage Boxes Set"
    assert _names(site, "towels") == ["Chambray Linen Towel"]


def test_sku_brand_and_category(site):
    assert _names(site, "LPJ-001")[0] == "Le Parfait Jar 1L"
    assert _names(site, "fog linen")[0] in ("Chambray Linen Towel",)  # brand + name beat name alone
    # The category name finds every product in it (the out-of-stock spoon too: included by default).
    assert set(_names(site, "kitchen storage")) == {
        "Le Parfait Jar 1L", "Jar Opener", "Storage Boxes Set", "Wooden Spoon"
    }  # fmt: skip


def test_sentence_falls_back_to_any_word(site):
    names = _names(site, "something to open a stuck jar please")
    assert names[0] == "Jar Opener"  # matches both words
    assert "Le Parfait Jar 1L" in names  # matches one


def test_diacritics_fold(site):
    assert _names(site, "creme brulee") == ["Crème brûlée Ramekins"]


@pytest.mark.parametrize(
    ("query", "found"),
    [("йогурт", "Йогурт натуральный"), ("Йогурт", "Йогурт натуральный"), ("ελληνικος", "Ελληνικός καφές"),
     ("Ελληνικός", "Ελληνικός καφές"), ("καφες", "Ελληνικός καφές"), ("ΕΛΛΗΝΙΚΟΣ ΚΑΦΕΣ", "Ελληνικός καφές")],
)  # fmt: skip
def test_words_with_non_latin_marks_are_found_with_or_without_them(site, query, found):
    """Shoppers' words are folded (й to и, a Greek tonos dropped); SQLite's tokenizer removes Latin accents only, so its
    index keeps "йогурт" and "ελληνικός": the query also asks for the catalog's own spellings."""
    add_catalog(
        site.id, [product(8, "Йогурт натуральный"), product(9, "Ελληνικός καφές")], BRANDS, CATEGORIES
    )
    assert _names(site, query) == [found]
    typing = find(db.session, site.id, query[:4], SearchOptions(limit=10), partial=True).rows
    assert [p.name for p, _ in typing] == [found]  # still typing: the start of the word


def test_visibility_stock_and_archive_filters(site):
    assert "Linen Napkins" not in _names(site, "napkins")
    assert _names(site, "napkins", include_hidden=True) == ["Linen Napkins"]
    assert _names(site, "spoon") == ["Wooden Spoon"]
    assert _names(site, "spoon", include_out_of_stock=False) == []
    db.session.execute(update(Product).where(Product.platform_id == "3").values(archived_at=utcnow()))
    db.session.commit()
    assert "Jar Opener" not in _names(site, "opener")


def test_index_follows_product_and_taxonomy_changes(site):
    # A changed product through the sync engine's upsert (content hash differs): re-indexed.
    add_catalog(site.id, [product(3, "Bottle Opener", sku="OPN-3", category_ids=["10"])], BRANDS, CATEGORIES)
    assert _names(site, "bottle") == ["Bottle Opener"]
    assert "Jar Opener" not in _names(site, "opener jar")  # the old name is gone from the index
    # A brand renamed at the platform: its products are found by the new name only.
    ingest_taxonomy(site.id, [("1", "Mason"), ("2", "Fog Linen")], CATEGORIES)
    assert _names(site, "mason") == ["Le Parfait Jar 1L"]
    assert "Le Parfait Jar 1L" in _names(site, "parfait")  # still in its own name
    # A category renamed and one deleted.
    ingest_taxonomy(site.id, BRANDS, [("10", "Pantry"), ("11", "Table Linen")])
    assert "Storage Boxes Set" in _names(site, "pantry")
    assert _names(site, "gifts") == []
    # A deleted product leaves the index.
    db.session.delete(db.session.scalar(db.select(Product).where(Product.platform_id == "4")))
    db.session.commit()
    assert _names(site, "boxes") == []


def test_unchanged_products_are_not_reindexed(site, app):
    # The sync marks unchanged products seen; that touches no indexed column (and costs no index write).
    add_catalog(site.id, _catalog(), BRANDS, CATEGORIES, run_id=2)
    assert set(_names(site, "jar")[:2]) == {"Le Parfait Jar 1L", "Jar Opener"}


def test_sites_do_not_see_each_other(site, app):
    other = make_site("other@example.com")
    add_catalog(other.id, [product(1, "Other Jar")])
    assert "Other Jar" not in _names(site, "jar")
    assert _names(other, "jar") == ["Other Jar"]
    assert db.session.query(Brand).count() == 2 and db.session.query(Category).count() == 3


def test_limit_and_empty_query(site):
    assert len(search_ids(db.session, site.id, "linen jar storage", SearchOptions(limit=2))) == 2
    assert search_ids(db.session, site.id, "the and of", SearchOptions()) == []


def test_the_vocabulary_follows_a_catalog_change_within_its_ttl(site):
    from hub.models import Brand
    from hub.widget import vocabulary

    before = vocabulary.vocabulary_for(db.session, site.id, ttl=3600)
    assert "glasswerk" not in before.brands
    db.session.add(Brand(site_id=site.id, platform_id="77", name="Glasswerk"))
    db.session.commit()  # what a sync's taxonomy stage does
    after = vocabulary.vocabulary_for(db.session, site.id, ttl=3600)
    assert "glasswerk" in after.brands  # rebuilt at once, not after the hour
    assert vocabulary.vocabulary_for(db.session, site.id, ttl=3600) is after  # and cached while nothing moves
