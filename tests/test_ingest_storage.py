"""A product's children stored on its row, variant SKUs indexed, and the migration that moved them there."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text

from hub import create_app
from hub.contract import CustomField, Image, Variant
from hub.contract import Product as ProductRecord
from hub.extensions import db
from hub.models import Product, ProductVariantSku
from hub.models.base import utcnow
from hub.models.catalog import products_with_variant_sku
from hub.sync import ingest
from hub.sync.prepare import ready
from tests.conftest import TEST_KEY, make_app
from tests.widget_support import make_site, product


def _mug(pid: int = 1, **fields):
    return product(
        pid,
        "Mug",
        variants=[
            Variant(
                id="11", sku="MUG-RED", price="5.00", option_values=[{"option": "Colour", "value": "Red"}]
            ),
            Variant(id="12", sku=None, price="6.00", in_stock=False),
            Variant(id="13", sku="MUG-BLUE", price="7.00", purchasable=False),
        ],
        images=[
            Image(id="21", url="https://cdn.example/mug.jpg", sizes={"tiny": "https://cdn.example/t.jpg"})
        ],
        custom_fields=[CustomField(name="Material", value="Stoneware", id="31")],
        **fields,
    )


def _store(site_id: int, products, run_id: int = 1) -> ingest.IngestCounts:
    counts = ingest.ingest_products(db.session, site_id, run_id, products, utcnow())
    db.session.commit()
    return counts


def test_children_are_stored_on_the_product_row_in_contract_terms(app):
    with app.app_context():
        site = make_site()
        _store(site.id, [_mug()])
        stored = db.session.scalars(select(Product)).one()
        assert stored.variants == [
            {"id": "11", "sku": "MUG-RED", "price": "5.00", "sale_price": None, "inventory_level": None,
             "in_stock": None, "purchasable": True, "option_values": [{"option": "Colour", "value": "Red"}],
             "image_url": None},
            {"id": "12", "sku": None, "price": "6.00", "sale_price": None, "inventory_level": None,
             "in_stock": False, "purchasable": True, "option_values": [], "image_url": None},
            {"id": "13", "sku": "MUG-BLUE", "price": "7.00", "sale_price": None, "inventory_level": None,
             "in_stock": None, "purchasable": False, "option_values": [], "image_url": None},
        ]  # fmt: skip
        assert stored.images == [
            {"id": "21", "url": "https://cdn.example/mug.jpg", "thumbnail_url": None, "alt": None,
             "sizes": {"tiny": "https://cdn.example/t.jpg"}, "is_thumbnail": False, "sort_order": 0}
        ]  # fmt: skip
        assert stored.custom_fields == [{"name": "Material", "value": "Stoneware", "id": "31"}]
        assert stored.variant_count == 3


def test_sqlite_stores_every_json_column_as_text_its_json_functions_read(app):
    # Ingest binds JSON as bytes cast to text: without the cast SQLite would keep a BLOB, which its JSON
    # functions (the search triggers') refuse.
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's storage classes only")
        site = make_site()
        _store(site.id, [_mug(1, tags=["gift"]), _mug(2)])
        _store(site.id, [_mug(2, brand_ids=["7"], category_ids=["3", "4"])], run_id=2)  # an update
        checks = {
            "products": ("brand_ids", "category_ids", "tags"),
            "product_payloads": ("variants", "images", "custom_fields", "raw"),
        }
        for table, columns in checks.items():
            for column in columns:
                rows = db.session.execute(
                    text(f"SELECT typeof({column}), json_valid({column}) FROM {table}")
                ).all()
                assert rows == [("text", 1)] * 2, (table, column)
        terms = db.session.execute(text("SELECT terms FROM product_attributes ORDER BY rowid")).scalars()
        assert [t.split()[:2] for t in terms] == [["MUG-RED", "MUG-BLUE"]] * 2


def test_variant_sku_lookup_follows_changes_and_stays_within_the_site(app):
    with app.app_context():
        site, other = make_site(), make_site("other@example.com")
        _store(site.id, [_mug(1), product(2, "Plate")])
        _store(other.id, [_mug(1)])
        assert [p.platform_id for p in products_with_variant_sku(site.id, "MUG-BLUE")] == ["1"]
        assert products_with_variant_sku(site.id, "PLATE") == []
        rows = db.session.execute(
            select(ProductVariantSku.position, ProductVariantSku.sku)
            .join(Product, Product.id == ProductVariantSku.product_id)
            .where(Product.site_id == site.id)
            .order_by(ProductVariantSku.position)
        ).all()
        assert [tuple(r) for r in rows] == [(0, "MUG-RED"), (2, "MUG-BLUE")]  # the SKU-less variant has none

        renamed = replace(_mug(1), variants=[Variant(id="11", sku="MUG-GREEN", price="5.00")])
        assert _store(site.id, [renamed], run_id=2).updated == 1
        assert products_with_variant_sku(site.id, "MUG-BLUE") == []
        assert [p.platform_id for p in products_with_variant_sku(site.id, "MUG-GREEN")] == ["1"]
        assert [p.site_id for p in products_with_variant_sku(other.id, "MUG-BLUE")] == [other.id]
        assert _store(site.id, [renamed], run_id=3).unchanged == 1


def _other(value, name: str):
    """A value of the field's kind that differs from ``value``."""
    if isinstance(value, bool) or (value is None and name in ("in_stock",)):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, dict):
        return {**value, "extra": 1}
    if name == "variants":
        return [*value, Variant(id="19", sku="X")]
    if name == "images":
        return [*value, Image(id="29", url="https://cdn.example/x.jpg")]
    if name == "custom_fields":
        return [*value, CustomField(name="Glaze", value="Matte")]
    if isinstance(value, list):
        return [*value, "9"]
    if name in ("date_created", "date_modified"):
        return datetime(2026, 1, 1, tzinfo=UTC)
    return (value or "") + "x"


@pytest.mark.parametrize("name", [f.name for f in fields(ProductRecord) if f.name != "id"])
def test_the_content_hash_changes_with_every_stored_field(name):
    """An unchanged product is never rewritten, so the hash must cover every field of the contract's
    product (a field added to it without being hashed would never reach the database again)."""
    base = _mug(1, date_modified=datetime(2026, 2, 1, tzinfo=UTC), inventory_level=3)
    digest = ready(base).encoded.digest
    assert ready(replace(base)).encoded.digest == digest
    changed = replace(base, **{name: _other(getattr(base, name), name)})
    assert ready(changed).encoded.digest != digest


def test_an_error_naming_text_the_database_cannot_hold_is_stored_repaired(app):
    """A plugin's errors may quote what the platform sent (an id, a value): NUL and half a UTF-16 pair are
    replaced before the error is stored, or storing the error would fail the run."""
    from hub.contract import RecordError
    from hub.models import SyncError, SyncRun

    with app.app_context():
        site = make_site()
        run = SyncRun(site_id=site.id, kind="full")
        db.session.add(run)
        db.session.flush()
        errors = [
            RecordError("17\ud800", "price 'x\udfff\x00' is not a number"),
            RecordError(None, "Repaired: x"),
        ]
        assert ingest.record_errors(db.session, site.id, run.id, errors) == 1
        db.session.commit()
        stored = {(e.product_platform_id, e.message) for e in db.session.scalars(select(SyncError))}
    assert stored == {("17\ufffd", "price 'x\ufffd' is not a number"), (None, "Repaired: x")}


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 12, 3, 7, 41, 45, 123456, tzinfo=UTC),
        datetime(2026, 12, 3, 7, 41, 45, tzinfo=UTC),  # no microseconds: still six zeros
        datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),  # the day before in UTC
        datetime(2026, 3, 1, 23, 0, tzinfo=timezone(timedelta(hours=-2))),
        datetime(5, 2, 3, 4, 5, 6, 7, tzinfo=UTC),  # a year below 1000 is zero-padded
        None,
    ],
)
def test_sqlite_timestamps_are_written_in_sqlalchemys_exact_text(value):
    """The UTC column's own SQLite formatting (faster) must write what SQLAlchemy's DATETIME writes: stored
    timestamps are compared and sorted as text, and older rows were written by SQLAlchemy."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.types import TypeDecorator

    from hub.models.base import UTCDateTime

    dialect = sqlite.dialect()
    column = UTCDateTime().dialect_impl(dialect)
    sqlalchemys = TypeDecorator.bind_processor(column, dialect)
    assert column.bind_processor(dialect)(value) == sqlalchemys(value)
    with pytest.raises(ValueError, match="naive"):
        column.bind_processor(dialect)(datetime(2026, 1, 1))


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Alembic's env.py configures logging from its ini file, which disables every logger that exists:
    migrating in the middle of a session would leave later tests' ``caplog`` deaf. Put it all back."""
    loggers = [x for x in logging.Logger.manager.loggerDict.values() if isinstance(x, logging.Logger)]
    disabled = {x: x.disabled for x in loggers}
    level, handlers = logging.root.level, list(logging.root.handlers)
    try:
        yield
    finally:
        for x, was in disabled.items():
            x.disabled = was
        logging.root.setLevel(level)
        logging.root.handlers[:] = handlers


def test_migration_moves_child_rows_onto_their_products(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("migrates a database of its own from 0004: SQLite only (PostgreSQL checked by hand)")
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = create_app(
        {"DATABASE_URL": url, "HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "t" * 32,
         "HUB_PLUGINS_AUTOLOAD": "0", "INSTANCE_PATH": str(tmp_path / "instance")}
    )  # fmt: skip
    with app.app_context(), _logging_kept():
        from flask_migrate import upgrade

        upgrade(revision="0004")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))  # products of site 1 only: no user or site rows
            for statement in (
                "INSERT INTO products (id, site_id, platform_id, name, is_visible, category_ids, variant_count, "
                "content_hash, raw, first_synced_at, synced_at) "
                "VALUES (7, 1, '70', 'Mug', 1, '[]', 3, 'h', '{\"id\": 70}', '2026-01-01', '2026-01-01'), "
                "(8, 1, '80', 'Bare', 1, '[]', 0, 'h', '{}', '2026-01-01', '2026-01-01')",
                "INSERT INTO product_variants (id, product_id, platform_id, sku, price, in_stock, purchasable, "
                "option_values) VALUES (2, 7, '12', NULL, '6.00', 0, 1, '[]'), "
                "(1, 7, '11', 'MUG-RED', '5.00', NULL, 1, '[{\"option\": \"Colour\", \"value\": \"Red\"}]'), "
                "(3, 7, '13', 'MUG-BLUE', NULL, 1, 0, '[]')",
                "INSERT INTO product_images (id, product_id, platform_id, url, sizes, is_thumbnail, sort_order) "
                "VALUES (1, 7, '21', 'https://cdn.example/mug.jpg', NULL, 1, 2)",
                "INSERT INTO product_custom_fields (id, product_id, platform_id, name, value) "
                "VALUES (1, 7, NULL, 'Material', 'Stoneware')",
            ):
                conn.execute(text(statement))
        engine.dispose()
        upgrade()
        mug, bare = db.session.scalars(select(Product).order_by(Product.id)).all()
        assert [(v["id"], v["sku"], v["price"], v["in_stock"], v["purchasable"]) for v in mug.variants] == [
            ("11", "MUG-RED", "5.00", None, True),
            ("12", None, "6.00", False, True),
            ("13", "MUG-BLUE", None, True, False),
        ]  # in their stored order
        assert mug.variants[0]["option_values"] == [{"option": "Colour", "value": "Red"}]
        assert mug.images == [
            {"id": "21", "url": "https://cdn.example/mug.jpg", "thumbnail_url": None, "alt": None, "sizes": {},
             "is_thumbnail": True, "sort_order": 2}
        ]  # fmt: skip
        assert mug.custom_fields == [{"name": "Material", "value": "Stoneware", "id": None}]
        assert (bare.variants, bare.images, bare.custom_fields) == ([], [], [])
        assert (mug.raw, bare.raw) == ({"id": 70}, {})  # the raw record moved beside its product
        columns = {row[1] for row in db.session.execute(text("PRAGMA table_info(products)"))}
        assert "raw" not in columns and "name" in columns
        skus = db.session.execute(select(ProductVariantSku.position, ProductVariantSku.sku)).all()
        assert sorted(tuple(r) for r in skus) == [(0, "MUG-RED"), (2, "MUG-BLUE")]
        assert [p.platform_id for p in products_with_variant_sku(1, "MUG-BLUE")] == ["70"]
        names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))
        assert not names & {"product_variants", "product_images", "product_custom_fields"}
        db.session.remove()
        db.engine.dispose()


def test_contract_v2_migration_rewrites_products_through_their_plugin_instead_of_translating(
    tmp_path, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("migrates a database of its own from 0003: SQLite only")
    url = f"sqlite:///{tmp_path / 'v1.sqlite3'}"
    app = create_app(
        {"DATABASE_URL": url, "HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "t" * 32,
         "HUB_PLUGINS_AUTOLOAD": "0", "INSTANCE_PATH": str(tmp_path / "instance")}
    )  # fmt: skip
    with app.app_context(), _logging_kept():
        from flask_migrate import upgrade

        upgrade(revision="0003")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            conn.execute(
                text(
                    "INSERT INTO sites (id, owner_id, name, created_at, credentials_public, connection_status,"
                    " store_info, test_warnings) VALUES (1, 1, 'Old shop', '2026-01-01', '{}', 'connected', '{}',"
                    " '[]')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO products (id, site_id, platform_id, name, is_visible, category_ids, variant_count,"
                    " content_hash, raw, first_synced_at, synced_at) VALUES (7, 1, '70', 'Mug', 1, '[]', 0,"
                    " 'h', '{}', '2026-01-01', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO product_images (id, product_id, platform_id, is_thumbnail, sort_order)"
                    " VALUES (1, 7, '21', 1, 0)"
                )
            )
        upgrade(revision="0004")
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT content_hash FROM products")).scalar() == ""
            )  # rewritten next sync
            assert conn.execute(text("SELECT count(*) FROM product_images")).scalar() == 0
            assert (
                conn.execute(text("SELECT next_full_sync_at FROM sites")).scalar() is not None
            )  # due at once
        engine.dispose()


def test_a_new_sqlite_database_is_tuned_for_bulk_writes_and_an_existing_one_keeps_its_pages(tmp_path):
    """16 KiB pages (fewer overflow pages per product payload), WAL, a checkpoint every 4096 pages; a
    database made before keeps its 4 KiB pages (SQLite fixes the size at creation) and still works."""
    old = tmp_path / "old.sqlite3"
    sqlite3.connect(old).execute("CREATE TABLE t (x)").connection.close()
    for path, page_size in ((tmp_path / "new.sqlite3", 16384), (old, 4096)):
        app = make_app(f"sqlite:///{path}", tmp_path)
        with app.app_context(), db.engine.connect() as conn:
            pragma = {n: conn.execute(text(f"PRAGMA {n}")).scalar() for n in ("page_size", "journal_mode")}
            assert pragma == {"page_size": page_size, "journal_mode": "wal"}
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 4096
        with app.app_context():
            db.engine.dispose()
