"""Finding candidate products in the database: the words through the full-text indexes, the understood
constraints (price, stock, sale, brand, category) as plain SQL, identically on SQLite and PostgreSQL.

Each required word is one ``p.id IN (...)`` over both indexes (the product's own text in
``product_search``, its variants' SKUs, options, custom fields and tags in the attribute index of
migration 0009), so a word may match in either. Candidates come newest first and are capped: ranking
happens in Python (``hub.widget.ranking``) on exactly the same rows whichever database answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from hub.widget.query import Group, Understanding
from hub.widget.ranking import matches, terms_of

#: at most this many matches are ranked (newest first); a broad word on a huge catalog is ranked among its
#: newest CANDIDATES matches, a specific query exactly
CANDIDATES = 100
#: products found through their attributes for some words are checked for the others in Python: at most
#: this many (newest first). Broad attribute words (a SKU prefix shared by thousands) would otherwise cost
#: a check per product; the words that matter there (a full SKU, a colour of a named thing) are specific.
ATTRIBUTE_CHECKS = 60
INNER_LIMIT = 2 * CANDIDATES
UNLIMITED = 2**31 - 1
_TAGS = re.compile(r"<[^>]*>")
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
    #: which query words many products use in their own text, and in their attributes (from the
    #: catalog vocabulary); they only steer PostgreSQL's plans, never the results
    common: frozenset[str] = frozenset()
    common_attributes: frozenset[str] = frozenset()
    #: SQLite: the catalog's own spellings of each alternative, which its index holds instead of the folded
    #: word (``Vocabulary.spellings_for``)
    spellings: Mapping[str, list[str]] = field(default_factory=dict)


def _sqlite_expr(group: Group, spellings: Mapping[str, list[str]]) -> str:
    # Every word is quoted (FTS5 syntax cannot leak in: words are \w+ only).
    found = [*group.alternatives]
    found += [s for a in group.alternatives for s in spellings.get(a, ()) if s not in found]
    return "(" + " OR ".join(f'"{w}"*' if group.prefix else f'"{w}"' for w in found) + ")"


def _pg_expr(group: Group, labels: str) -> str:
    star = "*" if group.prefix else ""
    tag = f":{star}{labels}" if (star or labels) else ""
    # PostgreSQL's parser reads the "-016" of a SKU "LPJ-016" as a signed number: a number typed alone
    # must match that token too (SQLite's tokenizer keeps "016"), or the databases would disagree.
    words = [f"{w}{tag}" + (f" | '-{w}'{tag}" if w.isdigit() else "") for w in group.alternatives]
    return "(" + " | ".join(words) + ")"


def _text_subquery(postgres: bool, u: Understanding, scope: Scope, fields: list[str], joiner: str,
                   params: dict, order: str) -> str | None:  # fmt: skip
    """Products whose own text (``product_search``) holds the words: one index query for all of them."""
    if postgres:
        labels = "".join(sorted({_PG_LABELS[f] for f in fields if f in _PG_LABELS}))
        if not labels:
            return None
        params["text_query"] = (" | " if joiner == "OR" else " & ").join(
            _pg_expr(g, labels) for g in u.groups
        )
        return (
            "SELECT product_id FROM product_search WHERE site_id = :site_id "  # noqa: S608 (order is one of two constants)
            f"AND document @@ to_tsquery('english', :text_query) ORDER BY {order} DESC LIMIT :inner"
        )
    columns = [_SQLITE_COLUMNS[f] for f in fields if f in _SQLITE_COLUMNS]
    if not columns:
        return None
    joined = f" {joiner} ".join(_sqlite_expr(g, scope.spellings) for g in u.groups)
    params["text_query"] = f"filters:s{int(scope.site_id)}x AND {{{' '.join(columns)}}} : ({joined})"
    return "SELECT rowid FROM product_search WHERE product_search MATCH :text_query ORDER BY rowid DESC LIMIT :inner"


def _attribute_subquery(postgres: bool, u: Understanding, scope: Scope, params: dict, order: str) -> str:
    """Products whose variants, options, custom fields or tags hold any of the words."""
    if postgres:
        params["attr_query"] = " | ".join(_pg_expr(g, "") for g in u.groups)
        return (
            "SELECT product_id FROM product_attribute_search WHERE site_id = :site_id "  # noqa: S608 (order is one of two constants)
            f"AND document @@ to_tsquery('english', :attr_query) ORDER BY {order} DESC LIMIT :inner"
        )
    joined = " OR ".join(_sqlite_expr(g, scope.spellings) for g in u.groups)
    params["attr_query"] = f"filters:s{int(scope.site_id)}x AND terms : ({joined})"
    return (
        "SELECT rowid FROM product_attributes WHERE product_attributes MATCH :attr_query "
        "ORDER BY rowid DESC LIMIT :inner"
    )


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


def _newest(session: Session, conditions: list[str], params: dict) -> list[int]:
    where = " AND ".join(conditions)  # constant SQL fragments; every value is a bound parameter
    sql = f"SELECT p.id FROM products p WHERE {where} ORDER BY p.id DESC LIMIT :limit"  # noqa: S608
    return list(session.scalars(text(sql), params))


def candidate_ids(session: Session, u: Understanding, scope: Scope, *, any_word: bool = False) -> list[int]:
    """Ids of products matching every word of ``u`` (any word with ``any_word``) and all its constraints,
    newest first, at most :data:`CANDIDATES`.

    Two index queries, not one per word: the product's own text with all words at once (the common
    case, answered by the full-text index alone), then products whose attributes hold any of the words,
    each checked for the other words across all its fields (:func:`_all_words`).
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Plan each search for its own words: the driver prepares statements it sees often, and a
        # generic plan cannot know whether a word is rare (walk the GIN index) or common (walk the
        # newest rows until enough match); the wrong choice cost 100-400 ms at 100,000 products.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    # Its estimates still cannot tell a rare word from a common one (it guesses a few hundred
    # rows for any word), so the plan is chosen from the catalog's own counts: common words walk
    # the newest rows until enough match; a rare word among them goes through the GIN index,
    # which finds its few matches directly (the walk would read every row to find none).
    def walk(common: frozenset[str], any_hit: bool) -> str:
        hits = [g.word in common for g in u.groups]
        newest = not postgres or not hits or (any(hits) if any_hit else all(hits))
        return "product_id" if newest else "product_id + 0"

    fields = [f for f, weight in scope.weights if weight > 0]
    params: dict = {"site_id": scope.site_id, "limit": CANDIDATES}
    conditions = _filters(u, scope, postgres, params)
    # Without understood constraints the index itself stops at the newest matches (FTS5 walks rowids
    # backwards and stops; no full set is built); twice as many as needed leaves room for hidden or
    # out-of-stock ones. With a price, brand or category, a match far down may be the only one that fits.
    params["inner"] = INNER_LIMIT if not u.has_filters() else UNLIMITED
    if not u.groups:
        return _newest(session, conditions, params)
    found: set[int] = set()
    joiner = "OR" if any_word else "AND"
    text_query = _text_subquery(postgres, u, scope, fields, joiner, params, walk(scope.common, any_word))
    if text_query:
        found.update(_newest(session, [*conditions, f"p.id IN ({text_query})"], params))
    if "attributes" in fields:
        # one attribute query looks for any of the words
        attr_query = _attribute_subquery(postgres, u, scope, params, walk(scope.common_attributes, True))
        if not any_word and len(u.groups) > 1:
            checks = {
                **params,
                "limit": ATTRIBUTE_CHECKS,
                "inner": min(params["inner"], 2 * ATTRIBUTE_CHECKS),
            }
            ids = _all_words(session, _newest(session, [*conditions, f"p.id IN ({attr_query})"], checks),
                             u.groups, fields)  # fmt: skip
        else:
            ids = _newest(session, [*conditions, f"p.id IN ({attr_query})"], params)
        found.update(ids)
    return sorted(found, reverse=True)[:CANDIDATES]


def _all_words(session: Session, ids: list[int], groups: list[Group], fields: list[str]) -> list[int]:
    """Those of ``ids`` holding every group's word in some weighted field (the same light stemming as
    ranking, so both databases keep the same products)."""
    if not ids:
        return []
    attributes = attribute_terms(session, ids)
    stmt = text(
        "SELECT p.id, p.name, p.sku, p.description, "
        "(SELECT b.name FROM brands b WHERE b.site_id = p.site_id AND b.platform_id = p.brand_id) "
        "FROM products p WHERE p.id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    kept = []
    for pk, name, sku, description, brand in session.execute(stmt, {"ids": ids}):
        values = {"name": name, "sku": sku or "", "brand": brand or "", "attributes": attributes.get(pk, ""),
                  "description": _TAGS.sub(" ", (description or "")[:4000])}  # fmt: skip
        terms = terms_of(" ".join(v for f, v in values.items() if f in fields))
        if all(matches(g, terms) for g in groups):
            kept.append(pk)
    return kept


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
