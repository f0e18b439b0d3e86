"""The search index rows ingest writes for new products are the rows the database's triggers write.

Ingest builds the rows of new products in Python (``hub.sync.search_index``); every other write (a changed
product, an archive, a renamed brand or category) is indexed by triggers in SQL. Search must not depend
on which path wrote a row: each product is indexed by ingest, then again by the triggers, and the two
snapshots must be equal, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from hub.contract import CustomField, Variant
from hub.extensions import db
from hub.models.base import utcnow
from hub.sync import ingest
from tests.widget_support import ingest_taxonomy, make_site, product

BRANDS = [("1", "Le Parfait"), ("2", "Fog Linen"), ("3", ""), ("4", "MAISON DUPRÉ")]
CATEGORIES = [("10", "Kitchen Storage"), ("11", "Table Linen"), ("12", "Gifts & Crème"), ("13", "Été Ἀθῆναι")]


def _catalog():
    colour = [{"option": "Colour", "value": "Bleu clair"}, {"option": "Size", "value": "XL"}]
    return [
        product(1, "Le Parfait Jar 1L", sku="LPJ-001", brand_ids=["1"], category_ids=["12", "10", "12", "11"],
                description="<p>Classic <b>French</b> canning jar.</p>", tags=["glass", "summer sale"],
                variants=[Variant(id="a", sku="LPJ-1-S", option_values=colour), Variant(id="b", sku=None,
                          option_values=[{"option": "Size", "value": ""}, {"option": "Note"}])],
                custom_fields=[CustomField(name="Material", value="Soda-lime glass"),
                               CustomField(name="Empty", value="")]),
        product(2, "Napkins", brand_ids=["9", "2"], category_ids=["99", "11"], is_visible=False,
                description="é" * 4100, purchasable=False),
        product(3, "Spoon", sku="", brand_ids=["3"], in_stock=False, description=None, tags=[]),
        product(4, "Ramekin", in_stock=None, category_ids=[], variants=[Variant(id="c", sku="R-4")]),
        product(5, "Tray", brand_ids=[], custom_fields=[CustomField(name="Care", value="Hand wash")]),
        # Folded on PostgreSQL by ingest in Python and by the triggers in SQL: accents, capitals, tags, marks
        product(6, "CRÈME Brûlée Ramekin — İstanbul ΚΑΦΕΣ", sku="CB-É1", brand_ids=["4"], category_ids=["13", "12"],
                description="<p>Łódź <i class='x'>naïve</i> café,\nﬁne <b\n>STRAßE</b> Αθήνα ΟΔΟΣ οδος 日本語</p><br/>",
                tags=["Été", "ÀLA"], variants=[Variant(id="d", sku="Ç-1", option_values=[
                    {"option": "Couleur", "value": "Bleu Ciel Ñ"}])],
                custom_fields=[CustomField(name="Matière", value="Grès émaillé")]),
    ]  # fmt: skip


def _snapshot() -> dict[str, list]:
    if db.engine.dialect.name == "postgresql":
        queries = {
            "products": "SELECT product_id, site_id, live, visible, in_stock, document::text "
            "FROM product_search ORDER BY product_id",
            "attributes": "SELECT product_id, site_id, terms, document::text "
            "FROM product_attribute_search ORDER BY product_id",
        }
    else:
        queries = {
            "products": "SELECT rowid, filters, name, sku, brand, categories, description "
            "FROM product_search ORDER BY rowid",
            "attributes": "SELECT rowid, filters, terms FROM product_attributes ORDER BY rowid",
        }
    return {name: [tuple(row) for row in db.session.execute(text(sql))] for name, sql in queries.items()}


def _reindex_by_triggers() -> None:
    """Make the database compute every row again, as it does for any write other than an ingest insert."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT product_search_refresh(ARRAY(SELECT id FROM products))"))
        db.session.execute(
            text("SELECT product_attributes_refresh(ARRAY(SELECT product_id FROM product_payloads))")
        )
    else:
        db.session.execute(text("UPDATE products SET name = name"))  # fires product_search_au
        db.session.execute(text("UPDATE product_payloads SET variants = variants"))  # product_attributes_au
    db.session.commit()


@pytest.fixture
def site(app):
    with app.app_context():
        site = make_site()
        ingest_taxonomy(site.id, BRANDS, CATEGORIES)
        yield site


def _ingest_page(session, site_id, run_id, products, now):
    """A sync's way in: the page prepared first (on PostgreSQL its search text folded then, not when
    written)."""
    counts, errors = ingest.ingest_page(session, site_id, run_id, products, now)
    assert errors == []
    return counts


@pytest.mark.parametrize("store", [ingest.ingest_products, _ingest_page], ids=["records", "prepared page"])
def test_ingest_writes_the_rows_the_triggers_write(site, store):
    store(db.session, site.id, 1, _catalog(), utcnow())
    db.session.commit()
    by_ingest = _snapshot()
    assert len(by_ingest["products"]) == len(by_ingest["attributes"]) == 6
    _reindex_by_triggers()
    assert _snapshot() == by_ingest


def test_the_attribute_terms_are_what_search_reads(site):
    ingest.ingest_products(db.session, site.id, 1, _catalog()[:1], utcnow())
    db.session.commit()
    terms = _snapshot()["attributes"][0][2]
    assert terms == "LPJ-1-S Bleu clair XL  Soda-lime glass  glass summer sale"


def test_a_changed_product_is_indexed_again_through_the_same_rows(site):
    ingest.ingest_products(db.session, site.id, 1, _catalog(), utcnow())
    db.session.commit()
    changed = [replace(p, name=p.name + " Deluxe", tags=["new"]) for p in _catalog()]
    ingest.ingest_products(db.session, site.id, 2, changed, utcnow())  # update trigger + ingest's rows
    db.session.commit()
    after_change = _snapshot()
    assert len(after_change["attributes"]) == 6
    assert all("new" in row[2] for row in after_change["attributes"])
    _reindex_by_triggers()
    assert _snapshot() == after_change


FOLDED = ["Crème Brûlée", "Łódź", "Αθήνα ΆΈΉ", "ﬁne", "Ǆemal", "naïve café", "İstanbul", "STRAßE", "日本語テキスト",
          "हिन्दी", "עִבְרִית", "مَرْحَبًا", "plain ascii", "", "Ångström — “quoted”"]  # fmt: skip


def test_postgresql_folds_indexed_text_as_the_query_side_does(app):
    """Shoppers' words are folded in Python (``hub.widget.text.fold``); the index must fold the same way."""
    from hub.widget.text import fold

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite's FTS5 tokenizer folds (remove_diacritics); the SQL fold is PostgreSQL's")
        folded = [
            db.session.execute(text("SELECT product_search_fold(:v)"), {"v": v}).scalar() for v in FOLDED
        ]
        assert folded == [fold(v) for v in FOLDED]
