"""Finding candidate products in the database: the words through the full-text indexes, the understood
constraints (price, stock, sale, brand, category) as plain SQL, identically on SQLite and PostgreSQL.

Each required word is one ``p.id IN (...)`` over both indexes (the product's own text in
``product_search``, its variants' SKUs, options, custom fields and tags in the attribute index of
migration 0009), so a word may match in either. Candidates come newest first and are capped: ranking
happens in Python (``hub.widget.ranking``) on exactly the same rows whichever database answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from hub.widget.query import Group, Understanding

#: at most this many matches are ranked (newest first); a broad word on a huge catalog is ranked among its
#: newest CANDIDATES matches, a specific query exactly
CANDIDATES = 300
#: product_search columns per merchant-weighted field (PostgreSQL: the tsvector weight labels of 0003)
_SQLITE_COLUMNS = {"name": "name", "sku": "sku", "brand": "brand", "categories": "categories",
                   "description": "description"}  # fmt: skip
_PG_LABELS = {"name": "A", "sku": "A", "brand": "B", "categories": "C", "description": "D"}


@dataclass(frozen=True)
class Scope:
    """Which products may be answered at all (the merchant's settings plus the understood constraints)."""

    site_id: int
    include_hidden: bool = False
    include_out_of_stock: bool = True
    weights: tuple[tuple[str, float], ...] = ()


def _sqlite_group(i: int, group: Group, scope: Scope, fields: list[str], params: dict) -> str:
    expr = " OR ".join(f'"{w}"*' if group.prefix else f'"{w}"' for w in group.alternatives)
    site = f"filters:s{int(scope.site_id)}x"
    parts = []
    columns = [_SQLITE_COLUMNS[f] for f in fields if f in _SQLITE_COLUMNS]
    if columns:
        params[f"m{i}"] = f"{site} AND {{{' '.join(columns)}}} : ({expr})"
        parts.append(f"SELECT rowid FROM product_search WHERE product_search MATCH :m{i}")  # noqa: S608 (constants and bound values only)
    if "attributes" in fields:
        params[f"a{i}"] = f"{site} AND terms : ({expr})"
        parts.append(f"SELECT rowid FROM product_attributes WHERE product_attributes MATCH :a{i}")  # noqa: S608 (constants and bound values only)
    return " UNION ".join(parts)


def _pg_group(i: int, group: Group, scope: Scope, fields: list[str], params: dict) -> str:
    labels = "".join(sorted({_PG_LABELS[f] for f in fields if f in _PG_LABELS}))
    suffix = ":*" if group.prefix else ""
    parts = []
    if labels:
        params[f"m{i}"] = " | ".join(
            f"{w}:{suffix[1:] if suffix else ''}{labels}" for w in group.alternatives
        )
        parts.append(
            "SELECT product_id FROM product_search WHERE site_id = :site_id "  # noqa: S608 (constants and bound values only)
            f"AND document @@ to_tsquery('english', :m{i})"
        )
    if "attributes" in fields:
        params[f"a{i}"] = " | ".join(f"{w}{suffix}" for w in group.alternatives)
        parts.append(
            "SELECT product_id FROM product_attribute_search WHERE site_id = :site_id "  # noqa: S608 (constants and bound values only)
            f"AND document @@ to_tsquery('english', :a{i})"
        )
    return " UNION ".join(parts)


def _price_sql(postgres: bool) -> tuple[str, str]:
    number = "NUMERIC" if postgres else "REAL"
    price = f"CAST(NULLIF(p.price, '') AS {number})"
    sale = f"CAST(NULLIF(p.sale_price, '') AS {number})"
    effective = f"(CASE WHEN {sale} > 0 AND {sale} < {price} THEN {sale} ELSE {price} END)"
    return effective, price


def _filters(u: Understanding, scope: Scope, postgres: bool, params: dict) -> list[str]:
    conditions = ["p.site_id = :site_id", "p.archived_at IS NULL"]
    if not scope.include_hidden:
        conditions.append("p.is_visible")
    if not scope.include_out_of_stock or u.in_stock:
        conditions.append("p.purchasable AND COALESCE(p.in_stock, TRUE)")
    effective, price = _price_sql(postgres)
    if u.price_min is not None:
        conditions.append(f"{effective} >= :price_min")
        params["price_min"] = float(u.price_min)
    if u.price_max is not None:
        conditions.append(f"{effective} <= :price_max")
        params["price_max"] = float(u.price_max)
    if u.on_sale:
        conditions.append(f"{effective} < {price}")
    # A brand or category is recognized from a cached vocabulary: it must still exist under that name
    # (a sync may have renamed or removed it since), else the filter finds nothing and is relaxed.
    if u.brand:
        conditions.append("p.brand_id = :brand")
        conditions.append(
            "EXISTS (SELECT 1 FROM brands b WHERE b.site_id = :site_id AND b.platform_id = :brand "
            "AND b.name = :brand_name)"
        )
        params["brand"], params["brand_name"] = u.brand
    if u.category:
        each = "json_array_elements_text(p.category_ids)" if postgres else "json_each(p.category_ids)"
        value = "j" if postgres else "CAST(j.value AS TEXT)"
        conditions.append(f"EXISTS (SELECT 1 FROM {each} j WHERE {value} = :category)")  # noqa: S608 (constants and bound values only)
        conditions.append(
            "EXISTS (SELECT 1 FROM categories c WHERE c.site_id = :site_id AND c.platform_id = :category "
            "AND c.name = :category_name)"
        )
        params["category"], params["category_name"] = u.category
    return conditions


def candidate_ids(session: Session, u: Understanding, scope: Scope, *, any_word: bool = False) -> list[int]:
    """Ids of products matching every word of ``u`` (any word with ``any_word``) and all its constraints,
    newest first, at most :data:`CANDIDATES`."""
    postgres = session.get_bind().dialect.name == "postgresql"
    fields = [f for f, weight in scope.weights if weight > 0]
    params: dict = {"site_id": scope.site_id, "limit": CANDIDATES}
    conditions = _filters(u, scope, postgres, params)
    build = _pg_group if postgres else _sqlite_group
    groups = [build(i, g, scope, fields, params) for i, g in enumerate(u.groups)]
    if u.groups and not all(groups):
        return []  # every field weighted 0: nothing can match words
    if groups and any_word:
        conditions.append(f"p.id IN ({' UNION '.join(groups)})")
    else:
        conditions += [f"p.id IN ({g})" for g in groups]
    sql = f"SELECT p.id FROM products p WHERE {' AND '.join(conditions)} ORDER BY p.id DESC LIMIT :limit"  # noqa: S608
    return list(session.scalars(text(sql), params))


def attribute_terms(session: Session, ids: list[int]) -> dict[int, str]:
    """The attribute words (SKUs, options, custom fields, tags) of products ``ids``."""
    if not ids:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        sql = "SELECT product_id, terms FROM product_attribute_search WHERE product_id IN :ids"
    else:
        sql = "SELECT rowid, terms FROM product_attributes WHERE rowid IN :ids"
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    return {pk: terms or "" for pk, terms in session.execute(stmt, {"ids": ids})}
