"""Batched upserts of a page of products, keyed on (site, platform id); unchanged products not rewritten."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hub.contract import Brand as BrandRecord
from hub.contract import Category as CategoryRecord
from hub.contract import Product as ProductRecord
from hub.contract import RecordError
from hub.models import Brand, Category, Product, ProductPayload, ProductVariantSku, SyncError
from hub.sync import bulk, search_index
from hub.sync.prepare import Encoded, PreparedPage, Ready, prepare_page, ready
from hub.sync.text import storable
from hub.sync.validate import is_repair

log = logging.getLogger(__name__)
#: SQLite allows 32k bound parameters; chunk IN lists well below that
CHUNK = 500


_PRODUCTS = bulk.insert_table(Product)
_PAYLOADS = bulk.insert_table(ProductPayload)
_SKUS = bulk.insert_table(ProductVariantSku)


@dataclass
class IngestCounts:
    """What one page did to the stored catalog."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


#: the columns written for every new or changed product: ``Ready.columns``, then the run's own values
_COLUMNS = (
    "name", "sku", "description", "price", "sale_price", "is_visible", "purchasable", "in_stock",
    "inventory_level", "url", "url_path", "handle", "brand_id", "brand_ids", "category_ids", "tags",
    "date_created", "date_modified", "variant_count", "thumbnail_url", "content_hash", "synced_at",
    "last_seen_run_id", "archived_at",
)  # fmt: skip
_NEW_COLUMNS = ("site_id", "platform_id", "first_synced_at", *_COLUMNS)


def _payload(pk: int, encoded: Encoded) -> tuple:
    """A product's row of ``product_payloads``, from the JSON serialized while hashing."""
    return (
        pk, bulk.Serialized(encoded.variants), bulk.Serialized(encoded.images),
        bulk.Serialized(encoded.custom_fields), bulk.Serialized(encoded.raw),
    )  # fmt: skip


_SKU_COLUMNS = ("product_id", "position", "sku")
_PAYLOAD_COLUMNS = ("product_id", "variants", "images", "custom_fields", "raw")


def _update_sql(dialect) -> str:
    """The changed products' UPDATE: column names from the model only; the id is bound last, after the SET
    list's values."""
    *values, key = bulk.marks(dialect, _PRODUCTS, (*_COLUMNS, "id"))
    assignments = ", ".join(f"{c} = {m}" for c, m in zip(_COLUMNS, values, strict=True))
    return f"UPDATE products SET {assignments} WHERE id = {key}"  # noqa: S608


def ingest_products(
    session: Session, site_id: int, run_id: int, products: list[ProductRecord], now: datetime
) -> IngestCounts:
    """Upsert already checked ``products`` for the site in the session's transaction (the caller commits).

    A convenience over :func:`ingest_ready` for callers holding records (a sync prepares its pages with
    ``hub.sync.prepare.prepare_page``, which also checks them).
    """
    return ingest_ready(session, site_id, run_id, [ready(p) for p in products], now)


def ingest_ready(
    session: Session, site_id: int, run_id: int, products: list[Ready], now: datetime
) -> IngestCounts:
    """Upsert prepared products for the site in the session's transaction (the caller commits).

    The only writer of new products and payloads: it also writes their search index rows
    (:mod:`hub.sync.search_index`). Unchanged products (same content hash) only get the run's mark.
    """
    counts = IngestCounts()
    by_id = {p.id: p for p in products}  # a repeated id keeps its last version
    if not by_id:
        return counts
    # Pending ORM writes (a page's taxonomy) go first: their triggers index the products they name, and the
    # driver-level statements below would not flush them until the search rows' name lookup.
    session.flush()
    existing = _stored(session, site_id, list(by_id))
    new_rows, changed_rows, unchanged_pks, changed_ids = [], [], [], []
    tail = (now, run_id, None)  # synced_at, last_seen_run_id, archived_at
    for platform_id, product in by_id.items():
        found = existing.get(platform_id)
        if found is None:
            new_rows.append((site_id, platform_id, now, *product.columns, *tail))
        elif found[1] == product.encoded.digest:
            unchanged_pks.append(found[0])
        else:
            changed_rows.append((*product.columns, *tail, found[0]))
            changed_ids.append(platform_id)

    # Straight to the driver, one bulk write per table (hub.sync.bulk): no RETURNING, so the new
    # products' ids are read back by their unique key, to key their payloads and variant SKUs.
    connection = session.connection()
    bulk.insert_rows(session, _PRODUCTS, _NEW_COLUMNS, new_rows)
    written = _stored(session, site_id, [r[1] for r in new_rows]) if new_rows else {}
    inserted = [(pk, by_id[platform_id]) for platform_id, (pk, _digest) in written.items()]
    if changed_rows:
        dialect = connection.dialect
        connection.exec_driver_sql(
            _update_sql(dialect), bulk.bound(dialect, _PRODUCTS, (*_COLUMNS, "id"), changed_rows)
        )
        pks = [row[-1] for row in changed_rows]
        for model in (ProductPayload, ProductVariantSku):  # replaced whole, like the product row
            for start in range(0, len(pks), CHUNK):
                session.execute(delete(model).where(model.product_id.in_(pks[start : start + CHUNK])))
        written.update((platform_id, existing[platform_id]) for platform_id in changed_ids)
    payloads: list[tuple] = []
    skus: list[tuple[int, int, str]] = []
    indexed: list[tuple[int, Ready]] = []
    for platform_id, (pk, _digest) in written.items():
        product = by_id[platform_id]
        payloads.append(_payload(pk, product.encoded))
        skus.extend((pk, position, sku) for position, sku in product.skus)
        indexed.append((pk, product))
    bulk.insert_rows(session, _PAYLOADS, _PAYLOAD_COLUMNS, payloads)
    bulk.insert_rows(session, _SKUS, _SKU_COLUMNS, skus)
    search_index.write_rows(session, site_id, inserted, indexed)
    for start in range(0, len(unchanged_pks), CHUNK):
        session.execute(
            update(Product)
            .where(Product.id.in_(unchanged_pks[start : start + CHUNK]))
            .values(last_seen_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
    counts.created, counts.updated, counts.unchanged = len(new_rows), len(changed_rows), len(unchanged_pks)
    return counts


_STORED_PG = (
    "SELECT id, platform_id, content_hash, archived_at FROM products "
    "WHERE site_id = %s AND platform_id = ANY(%s)"
)
_STORED_SQLITE = (
    "SELECT id, platform_id, content_hash, archived_at FROM products "
    "WHERE site_id = ? AND platform_id IN ({marks})"
)


def _stored(session: Session, site_id: int, ids: list[str]) -> dict[str, tuple[int, str]]:
    """Stored products of the site among ``ids``: platform id → (pk, hash, or "" when archived)."""
    existing: dict[str, tuple[int, str]] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if postgres:
            # Never prepared: psycopg prepares a statement after five runs, and PostgreSQL's generic plan
            # for this lookup scanned all of the site's products (30-100 ms a page; with an IN list and
            # with an array alike); planned for its actual values it is one index probe per id.
            with session.connection().connection.dbapi_connection.cursor() as cursor:
                cursor.execute(_STORED_PG, (site_id, chunk), prepare=False)
                rows = cursor.fetchall()
        else:
            # Straight to the driver: SQLAlchemy rendered its 500-value IN list afresh for every page.
            marks = ", ".join("?" * len(chunk))
            rows = session.connection().exec_driver_sql(_STORED_SQLITE.format(marks=marks), (site_id, *chunk))
        for pk, platform_id, digest, archived_at in rows:
            existing[platform_id] = (pk, "" if archived_at is not None else digest)
    return existing


def _check_complete() -> None:
    """Fail at import, not at run time, if a column added to a model would be skipped by an insert."""
    tables = ((Product, _NEW_COLUMNS), (ProductPayload, _PAYLOAD_COLUMNS), (ProductVariantSku, _SKU_COLUMNS))
    for model, columns in tables:
        missing = [c.name for c in model.__table__.columns if c.name not in columns and c.name != "id"]
        if missing:
            raise RuntimeError(f"ingest inserts into {model.__tablename__} lack columns {missing}")


_check_complete()


def ingest_page(
    session: Session,
    site_id: int,
    run_id: int,
    products: list | PreparedPage,
    now: datetime,
    fence: Callable[[], None] = lambda: None,
) -> tuple[IngestCounts, list[RecordError]]:
    """Check a page's products (unless ``products`` is a :class:`PreparedPage` already) and upsert the good
    ones; one bad record fails itself.

    Returns the counts and the page's errors and repairs; the caller commits. Should the database still
    refuse the batch (a value no check foresaw), the page's transaction is rolled back and the products
    are stored one by one, each committed with ``fence()`` (which marks the run row, so a worker that lost
    its run cannot write), and only the refused ones become errors. No savepoints: on SQLite a transaction
    that reads before it writes can fail at once on another writer's commit.
    """
    if isinstance(products, PreparedPage):
        page = products
    else:
        page = prepare_page(products, fold=search_index.folds_text(session.get_bind().dialect.name))
    errors = list(page.errors)
    try:
        return ingest_ready(session, site_id, run_id, page.ready, now), errors
    except DBAPIError as exc:
        session.rollback()
        log.warning("the database refused a page (%s); storing it one by one", type(exc.orig).__name__)
    total = IngestCounts()
    for product in page.ready:
        try:
            counts = ingest_ready(session, site_id, run_id, [product], now)
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
    ids = [storable(e.product_id) for e in errors if e.product_id] if mark_seen else []
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
                    "product_platform_id": storable(e.product_id or "")[:255] or None,
                    "message": storable(e.message)[:2000],
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
