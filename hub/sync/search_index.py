"""The widget's search index rows for the products an ingest inserts, built in Python from the records.

The index (``product_search`` and ``product_attributes`` on SQLite, ``product_search`` and
``product_attribute_search`` on PostgreSQL) was filled by per-row triggers that read each new product back
and took its JSON apart in SQL: on SQLite ~55 % of storing a page (~140 µs per product, of which FTS5's
tokenizing is ~30), on PostgreSQL ~70 % (each trigger call planned its statements again). Ingest holds
every value already, so it writes the rows itself, one ``executemany`` per table; the database only
tokenizes. The triggers still keep the index for every other write (a changed product, an archive, a
brand or category renamed, a delete), computing the same text: ``tests/test_search_index.py`` checks that
both paths give identical rows on both databases. Migration ``0011_search_index_rows`` dropped the insert
triggers, so ingest (the only writer of new products and payloads) must call :func:`write_rows`.

On PostgreSQL the text is also folded and the description's tags stripped here (:func:`folded`), not by
``product_search_fold`` and ``regexp_replace`` in the statement: they were ~105 of the server's ~530 µs a
new product (a 900-character description), and the server is the part of ingest shared by every worker.
A sync folds in its fetch process (``prepare_page(fold=True)``), beside the worker. The fold is the query
side's own (``hub.widget.text.fold``) but for the capital sigma (:func:`index_fold`), so that the rows
equal the triggers' in a database with a UTF-8 or ICU locale. (Under the plain C locale PostgreSQL's
``lower()`` leaves non-ASCII capitals alone, so its fold differs from Python's for them, as it differed
from the query side's before; its text search parser does not take those letters for word characters
either.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models import Brand, Category
from hub.widget.text import fold

if TYPE_CHECKING:
    from hub.sync.prepare import Ready

#: SQLite allows 32k bound parameters; name lookups are chunked well below that
_CHUNK = 500

_SQLITE_PRODUCTS = (
    "INSERT INTO product_search (rowid, filters, name, sku, brand, categories, description) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_ATTRIBUTES = "INSERT INTO product_attributes (rowid, filters, terms) VALUES (?, ?, ?)"
# The document of product_search_refresh (migrations 0004, 0011), from bound values already folded
# (:func:`folded`): A name and SKU, B brand, C categories, D description.
_PG_PRODUCTS = """INSERT INTO product_search (product_id, site_id, live, visible, in_stock, document)
VALUES (%s, %s, TRUE, %s, %s,
    setweight(to_tsvector('english', %s), 'A')
    || setweight(to_tsvector('simple', %s), 'A')
    || setweight(to_tsvector('english', %s), 'B')
    || setweight(to_tsvector('english', %s), 'C')
    || setweight(to_tsvector('english', %s), 'D'))"""
_PG_ATTRIBUTES = """INSERT INTO product_attribute_search (product_id, site_id, terms, document)
VALUES (%s, %s, %s, to_tsvector('english', %s))"""
#: the triggers' ``regexp_replace(..., '<[^>]*>', ' ', 'g')``: the same match in Python's engine
_TAG = re.compile(r"<[^>]*>")


#: GREEK CAPITAL LETTER SIGMA and GREEK SMALL LETTER SIGMA (not the final form, U+03C2)
_CAPITAL_SIGMA, _SIGMA = "\u03a3", "\u03c3"


def index_fold(value: str) -> str:
    """``value`` as ``product_search_fold`` folds it (in a database with a UTF-8 or ICU locale): the query
    side's :func:`hub.widget.text.fold`, except that every capital sigma becomes the small, non-final
    sigma. Python's ``lower()`` makes a word-final one the final form (U+03C2); PostgreSQL's never does,
    and the triggers' rows must equal ours. (Compared over every code point alone, after a letter and
    between two: the only difference.)"""
    return fold(value.replace(_CAPITAL_SIGMA, _SIGMA) if _CAPITAL_SIGMA in value else value)


def folded(name: str, description: str, terms: str) -> tuple[str, str, str]:
    """A product's name, indexed description (tags replaced by a space) and attribute terms as PostgreSQL's
    index reads them: what ``product_search_fold`` and the triggers' tag stripping make of them."""
    return index_fold(name), index_fold(_TAG.sub(" ", description)), index_fold(terms)


def folds_text(dialect_name: str) -> bool:
    """Whether products for this database are best prepared with their search text folded
    (``prepare_page(fold=True)``): PostgreSQL's index is given folded text; SQLite's tokenizer folds."""
    return dialect_name == "postgresql"


def _folded(product: Ready) -> tuple[str, str, str]:
    """:func:`folded` of ``product``: done while it was prepared, or now (a product prepared unfolded)."""
    return product.folded or folded(product.name, product.description, product.terms)


def sqlite_filters(site_id: int, visible: bool, stocked: bool) -> str:
    """The filter tokens of a live product's ``product_search`` row (the triggers' ``filters``)."""
    site = f"s{site_id}x"
    return (
        f"{site} "
        + (f"{site}v " if visible else "")
        + (f"{site}i " if stocked else "")
        + (f"{site}vi" if visible and stocked else "")
    )


def _names(session: Session, model, site_id: int, ids: set[str]) -> dict[str, str]:
    """Names of the site's brands or categories among ``ids``, looked up by their unique key."""
    wanted = sorted(ids)
    names: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        stmt = select(model.platform_id, model.name).where(
            model.site_id == site_id, model.platform_id.in_(wanted[start : start + _CHUNK])
        )
        names.update((platform_id, name or "") for platform_id, name in session.execute(stmt))
    return names


def write_rows(
    session: Session,
    site_id: int,
    new: Iterable[tuple[int, Ready]],
    payloads: Iterable[tuple[int, Ready]],
) -> None:
    """Index the products just inserted (``new``: stored pk and product) and the payloads just inserted
    (``payloads``: every new or changed product; a changed product's own row is kept by the update trigger).
    """
    new, payloads = list(new), list(payloads)
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if new:
        brands = _names(session, Brand, site_id, {p.brand_id for _pk, p in new if p.brand_id is not None})
        categories = _names(session, Category, site_id, {c for _pk, p in new for c in p.category_ids})
        if postgres:
            # Once a name: the fold goes character by character, so the joined text is the same.
            brands = {key: index_fold(name) for key, name in brands.items()}
            categories = {key: index_fold(name) for key, name in categories.items()}
        rows = []
        for pk, p in new:
            brand = brands.get(p.brand_id, "") if p.brand_id is not None else ""
            category_text = " ".join(categories[c] for c in p.category_ids if c in categories)
            if postgres:
                name, description, _terms = _folded(p)
                row = (pk, site_id, p.visible, p.stocked, name, p.sku, brand, category_text, description)
            else:
                filters = sqlite_filters(site_id, p.visible, p.stocked)
                row = (pk, filters, p.name, p.sku, brand, category_text, p.description)
            rows.append(row)
        connection.exec_driver_sql(_PG_PRODUCTS if postgres else _SQLITE_PRODUCTS, rows)
    if payloads:
        if postgres:
            rows = [
                (pk, site_id, p.terms, p.folded[2] if p.folded else index_fold(p.terms)) for pk, p in payloads
            ]
        else:
            rows = [(pk, f"s{site_id}x", p.terms) for pk, p in payloads]
        connection.exec_driver_sql(_PG_ATTRIBUTES if postgres else _SQLITE_ATTRIBUTES, rows)
