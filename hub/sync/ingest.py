"""Batched upserts of a page of products, keyed on (site, platform id); unchanged products not rewritten."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import orjson
from sqlalchemy import JSON, Column, MetaData, Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from hub.contract import Brand as BrandRecord
from hub.contract import Category as CategoryRecord
from hub.contract import Product as ProductRecord
from hub.contract import RecordError
from hub.models import Brand, Category, Product, ProductCustomField, ProductImage, ProductVariant, SyncError
from hub.sync.validate import clean_product, is_repair

log = logging.getLogger(__name__)
#: SQLite allows 32k bound parameters; chunk IN lists well below that
CHUNK = 500


@dataclass(frozen=True, slots=True)
class _Serialized:
    """A JSON value already serialized (SQLite inserts only): bound as is by :class:`_OrjsonJSON`."""

    text: str


class _OrjsonJSON(TypeDecorator):
    """The JSON column type, serialized with orjson on SQLite (several times faster than ``json.dumps``
    on product payloads, and read back by the same JSON type); PostgreSQL keeps psycopg's adapter."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value):
            if isinstance(value, _Serialized):
                return value.text  # serialized already, while hashing
            return orjson.dumps(value).decode()  # None -> "null", as JSON(none_as_null=False) stores it

        return process


def _insert_table(model) -> Table:
    """The model's table for bulk inserts, its JSON columns bound with :class:`_OrjsonJSON`."""
    source = model.__table__
    return Table(
        source.name,
        MetaData(),
        *(
            Column(c.name, _OrjsonJSON() if isinstance(c.type, JSON) else c.type, primary_key=c.primary_key)
            for c in source.columns
        ),
    )


_PRODUCTS = _insert_table(Product)
_CHILD_TABLES = {model: _insert_table(model) for model in (ProductVariant, ProductImage, ProductCustomField)}


@dataclass
class IngestCounts:
    """What one page did to the stored catalog."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def content_hash(product: ProductRecord) -> str:
    """A stable hash of everything fetched for a product (dataclasses serialize natively in orjson)."""
    return _hash_and_raw(product)[0]


def _hash_and_raw(product: ProductRecord) -> tuple[str, bytes]:
    """:func:`content_hash` and the raw payload's JSON, from one serialization of the payload.

    The payload (most of a product's bytes) is serialized once and embedded in the product's
    serialization as a fragment: the hashed bytes are exactly those of serializing the whole product,
    and the payload's JSON is stored as is on SQLite instead of being serialized a second time.
    """
    raw = orjson.dumps(product.raw, option=orjson.OPT_SORT_KEYS)
    whole = orjson.dumps(replace(product, raw=orjson.Fragment(raw)), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(whole, digest_size=16).hexdigest(), raw


def _thumbnail(product: ProductRecord) -> str | None:
    images = sorted(product.images, key=lambda i: (not i.is_thumbnail, i.sort_order))
    return (images[0].thumbnail_url or images[0].url) if images else None


def _row(product: ProductRecord, digest: str, now: datetime, run_id: int) -> dict:
    return {
        "name": product.name,
        "sku": product.sku,
        "description": product.description,
        "price": product.price,
        "sale_price": product.sale_price,
        "is_visible": product.is_visible,
        "purchasable": product.purchasable,
        "in_stock": product.in_stock,
        "inventory_level": product.inventory_level,
        "url": product.url,
        "url_path": product.url_path,
        "handle": product.handle,
        "brand_id": product.brand_ids[0] if product.brand_ids else None,
        "brand_ids": list(product.brand_ids),
        "category_ids": list(product.category_ids),
        "tags": list(product.tags),
        "date_created": product.date_created,
        "date_modified": product.date_modified,
        "variant_count": len(product.variants),
        "thumbnail_url": _thumbnail(product),
        "content_hash": digest,
        "raw": product.raw,
        "synced_at": now,
        "last_seen_run_id": run_id,
        "archived_at": None,
    }


#: column order of the child rows built by :func:`_children` (tuples: no dict per variant)
_VARIANT_COLUMNS = (
    "product_id", "platform_id", "sku", "price", "sale_price", "inventory_level", "in_stock", "purchasable",
    "option_values", "image_url",
)  # fmt: skip
_IMAGE_COLUMNS = (
    "product_id", "platform_id", "url", "thumbnail_url", "alt", "sizes", "is_thumbnail", "sort_order",
)  # fmt: skip
_FIELD_COLUMNS = ("product_id", "platform_id", "name", "value")


def _children(pk: int, product: ProductRecord, variants: list, images: list, fields: list) -> None:
    variants.extend(
        (pk, v.id, v.sku, v.price, v.sale_price, v.inventory_level, v.in_stock, v.purchasable, v.option_values,
         v.image_url)
        for v in product.variants
    )  # fmt: skip
    images.extend(
        (pk, i.id, i.url, i.thumbnail_url, i.alt, i.sizes or None, i.is_thumbnail, i.sort_order)
        for i in product.images
    )
    fields.extend((pk, f.id, f.name, f.value) for f in product.custom_fields)


def _executemany(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order) with one driver-level executemany.

    SQLAlchemy's per-row parameter processing costs more than the database itself on pages of ~1,000
    child rows; here each column's bind processor (dates, JSON, booleans) is looked up once and applied
    only to the columns that have one. Every column without a value in ``columns`` must be nullable with
    no default (checked once per table, see :func:`_check_complete`).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [
        (i, proc)
        for i, name in enumerate(columns)
        if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if processors:
        converted = []
        for row in rows:
            values = list(row)
            for i, proc in processors:
                values[i] = proc(values[i])
            converted.append(tuple(values))
        rows = converted
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    placeholders = ", ".join([mark] * len(columns))
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 (names from the model)
    connection.exec_driver_sql(sql, rows)


def _check_complete(table: Table, columns: tuple[str, ...]) -> tuple[str, ...]:
    """Fail at import, not at run time, if a column added to the model would be skipped by an insert."""
    missing = [
        c.name
        for c in table.columns
        if c.name not in columns and not c.primary_key and (c.default is not None or not c.nullable)
    ]
    if missing:
        raise RuntimeError(f"ingest inserts into {table.name} lack columns {missing}")
    return columns


_check_complete(_CHILD_TABLES[ProductVariant], _VARIANT_COLUMNS)
_check_complete(_CHILD_TABLES[ProductImage], _IMAGE_COLUMNS)
_check_complete(_CHILD_TABLES[ProductCustomField], _FIELD_COLUMNS)


def ingest_products(
    session: Session, site_id: int, run_id: int, products: list[ProductRecord], now: datetime
) -> IngestCounts:
    """Upsert ``products`` for the site in the session's transaction (the caller commits)."""
    counts = IngestCounts()
    by_id = {p.id: p for p in products}  # a repeated id keeps its last version
    if not by_id:
        return counts
    existing: dict[str, tuple[int, str]] = {}
    ids = list(by_id)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        stmt = select(Product.id, Product.platform_id, Product.content_hash, Product.archived_at).where(
            Product.site_id == site_id, Product.platform_id.in_(chunk)
        )
        for pk, platform_id, digest, archived_at in session.execute(stmt):
            existing[platform_id] = (pk, "" if archived_at is not None else digest)

    # SQLite inserts take the payload's JSON from the hashing; PostgreSQL's driver adapts the dict itself.
    reuse_raw = session.get_bind().dialect.name == "sqlite"
    new_rows, changed_rows, unchanged_pks, changed = [], [], [], []
    for platform_id, product in by_id.items():
        digest, raw = _hash_and_raw(product)
        found = existing.get(platform_id)
        if found is None:
            row = {"site_id": site_id, "platform_id": platform_id, "first_synced_at": now}
            row.update(_row(product, digest, now, run_id))
            if reuse_raw:
                row["raw"] = _Serialized(raw.decode())
            new_rows.append(row)
        elif found[1] == digest:
            unchanged_pks.append(found[0])
        else:
            changed_rows.append({"id": found[0], **_row(product, digest, now, run_id)})
            changed.append((found[0], product))

    variants: list[tuple] = []
    images: list[tuple] = []
    fields: list[tuple] = []
    # Not ORM bulk inserts: the ORM leaves out None values per row, which splits a page into one
    # statement per distinct set of null columns (hundreds per page). Products go through Core (one
    # multi-row INSERT ... RETURNING); their children, ~10 rows per product, straight to the driver.
    if new_rows:
        result = session.execute(
            insert(_PRODUCTS).returning(_PRODUCTS.c.id, _PRODUCTS.c.platform_id), new_rows
        )
        for pk, platform_id in result:
            _children(pk, by_id[platform_id], variants, images, fields)
    if changed_rows:
        session.execute(update(Product), changed_rows)
        pks = [pk for pk, _ in changed]
        for model in (ProductVariant, ProductImage, ProductCustomField):
            session.execute(delete(model).where(model.product_id.in_(pks)))
        for pk, product in changed:
            _children(pk, product, variants, images, fields)
    _executemany(session, _CHILD_TABLES[ProductVariant], _VARIANT_COLUMNS, variants)
    _executemany(session, _CHILD_TABLES[ProductImage], _IMAGE_COLUMNS, images)
    _executemany(session, _CHILD_TABLES[ProductCustomField], _FIELD_COLUMNS, fields)
    for start in range(0, len(unchanged_pks), CHUNK):
        session.execute(
            update(Product)
            .where(Product.id.in_(unchanged_pks[start : start + CHUNK]))
            .values(last_seen_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
    counts.created, counts.updated, counts.unchanged = len(new_rows), len(changed_rows), len(unchanged_pks)
    return counts


def ingest_page(
    session: Session,
    site_id: int,
    run_id: int,
    products: list,
    now: datetime,
    fence: Callable[[], None] = lambda: None,
) -> tuple[IngestCounts, list[RecordError]]:
    """Check a page's products (``hub.sync.validate``) and upsert the good ones; one bad record fails itself.

    Returns the counts and the page's errors and repairs; the caller commits. Should the database still
    refuse the batch (a value no check foresaw), the page's transaction is rolled back and the products
    are stored one by one, each committed with ``fence()`` (which marks the run row, so a worker that lost
    its run cannot write), and only the refused ones become errors. No savepoints: on SQLite a transaction
    that reads before it writes can fail at once on another writer's commit.
    """
    good: list[ProductRecord] = []
    errors: list[RecordError] = []
    for product in products:
        cleaned, problems = clean_product(product)
        errors.extend(problems)
        if cleaned is not None:
            good.append(cleaned)
    try:
        return ingest_products(session, site_id, run_id, good, now), errors
    except DBAPIError as exc:
        session.rollback()
        log.warning("the database refused a page (%s); storing it one by one", type(exc.orig).__name__)
    total = IngestCounts()
    for product in good:
        try:
            counts = ingest_products(session, site_id, run_id, [product], now)
            fence()
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            reason = f"the database refused it ({type(exc.orig).__name__}); the product was not stored"
            errors.append(RecordError(product.id, reason))
            continue
        total.created += counts.created
        total.updated += counts.updated
        total.unchanged += counts.unchanged
    return total, errors


def record_errors(
    session: Session, site_id: int, run_id: int, errors: list[RecordError], *, mark_seen: bool = True
) -> int:
    """Store per-record errors and repairs; returns how many are failures (repairs are not).

    A stored product whose new version is malformed still exists at the platform: it is marked seen so
    the full walk does not archive it.
    """
    ids = [e.product_id for e in errors if e.product_id] if mark_seen else []
    for start in range(0, len(ids), CHUNK):
        session.execute(
            update(Product)
            .where(Product.site_id == site_id, Product.platform_id.in_(ids[start : start + CHUNK]))
            .values(last_seen_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
    if errors:
        session.execute(
            insert(SyncError),
            [
                {
                    "run_id": run_id,
                    "product_platform_id": (e.product_id or "").replace("\x00", "")[:255] or None,
                    "message": e.message.replace("\x00", "")[:2000],
                }
                for e in errors
            ],
        )
    return sum(1 for e in errors if not is_repair(e))


def replace_taxonomy(
    session: Session,
    site_id: int,
    categories: list[CategoryRecord],
    brands: list[BrandRecord],
    *,
    delete_categories: bool = True,
    delete_brands: bool = True,
) -> None:
    """Upsert the fetched categories and brands; delete stored ones not fetched only where asked.

    The caller asks for deletions only after a complete listing (no stop, no skipped item).
    """
    for model, records, columns, delete_missing in (
        (Category, categories, ("name", "parent_id", "url_path", "is_visible"), delete_categories),
        (Brand, brands, ("name",), delete_brands),
    ):
        stored = {
            row.platform_id: row for row in session.scalars(select(model).where(model.site_id == site_id))
        }
        seen = set()
        for record in records:
            seen.add(record.id)
            values = {c: getattr(record, c) for c in columns}
            row = stored.get(record.id)
            if row is None:
                session.add(model(site_id=site_id, platform_id=record.id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
        gone = [row.id for platform_id, row in stored.items() if platform_id not in seen]
        if gone and delete_missing:
            session.execute(delete(model).where(model.id.in_(gone)))
