"""The widget search as it was before issue 16 (main at e7ec66b), kept only so benchmarks can print
"before" figures next to "after" ones on the same catalog. Not used by the hub.


The index (migration 0003) is SQLite FTS5 with the porter stemmer, or a weighted PostgreSQL tsvector with
a GIN index; both fold case and stem plurals. A query first asks for products matching *every* word, the
precise answer; when that finds fewer than wanted (shoppers write "a warm wool scarf for my dad"), it
fills up with products matching *any* word, best first. Name and SKU weigh most, then brand, categories,
description.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hub.models import Brand, Product

MAX_TERMS = 8
MAX_QUERY_CHARS = 200
_WORD = re.compile(r"\w+", re.UNICODE)
#: words that carry no product meaning in a shopper's sentence (PostgreSQL's 'english' drops its own)
_STOPWORD_TEXT = (
    "a an and any are as at be but by can do for from have i im in is it looking me my need of on or "
    "please show some something that the this to want with you your"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# FTS5 BM25 weights, in column order: filters (not ranked), name, sku, brand, categories, description.
_SQLITE_WEIGHTS = "0.0, 10.0, 8.0, 4.0, 3.0, 1.0"
#: at most this many matches are ranked. Ranking costs per matching row, so a broad word ("mug" on a
#: 100,000-product site) is ranked among its most recently added CANDIDATES matches, not all of them; a
#: query with fewer matches (most specific ones) is ranked exactly.
CANDIDATES = 1000


@dataclass(frozen=True)
class SearchOptions:
    """What the merchant's settings allow into an answer."""

    include_hidden: bool = False
    include_out_of_stock: bool = True
    limit: int = 5


def fold(value: str) -> str:
    """Lower case without accents ("Crème" -> "creme"), as the index folds names and descriptions."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(query: str) -> list[str]:
    """The meaningful words of a query, lower-cased, without stopwords or repeats, at most ``MAX_TERMS``."""
    words: list[str] = []
    for word in _WORD.findall(fold(query[:MAX_QUERY_CHARS])):
        word = word.strip("_")
        if word and word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_TERMS]


def _sqlite_ids(
    session: Session, site_id: int, words: list[str], opts: SearchOptions, any_word: bool, limit: int
):
    rule = ("v" if not opts.include_hidden else "") + ("i" if not opts.include_out_of_stock else "")
    # Every word is quoted (FTS5 syntax characters cannot leak in: words are \w+ only) and restricted to
    # the content columns, so a word never matches a filter token.
    joined = (" OR " if any_word else " AND ").join(f'"{w}"' for w in words)
    match = f"filters:s{int(site_id)}x{rule} AND {{name sku brand categories description}} : ({joined})"
    sql = text(
        "SELECT rowid FROM (SELECT rowid, bm25(product_search, "  # noqa: S608 (constant weights)
        f"{_SQLITE_WEIGHTS}) AS score FROM product_search WHERE product_search MATCH :match "
        f"ORDER BY rowid DESC LIMIT {CANDIDATES}) ORDER BY score, rowid LIMIT :limit"
    )
    return list(session.scalars(sql, {"match": match, "limit": limit}))


def _postgres_ids(
    session: Session, site_id: int, words: list[str], opts: SearchOptions, any_word: bool, limit: int
):
    conditions = ["s.site_id = :site_id", "s.live"]
    if not opts.include_hidden:
        conditions.append("s.visible")
    if not opts.include_out_of_stock:
        conditions.append("s.in_stock")
    query = (" or " if any_word else " ").join(words)
    sql = text(
        "SELECT c.product_id FROM (SELECT s.product_id, s.document FROM product_search s "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} AND s.document @@ websearch_to_tsquery('english', :query) "
        f"ORDER BY s.product_id DESC LIMIT {CANDIDATES}) c "
        "ORDER BY ts_rank(c.document, websearch_to_tsquery('english', :query)) DESC, c.product_id LIMIT :limit"
    )
    return list(session.scalars(sql, {"site_id": site_id, "query": query, "limit": limit}))


def search_ids(session: Session, site_id: int, query: str, opts: SearchOptions) -> list[int]:
    """Product primary keys matching ``query`` for the site, best first, at most ``opts.limit``."""
    words = terms(query)
    if not words or opts.limit <= 0:
        return []
    find = _postgres_ids if session.get_bind().dialect.name == "postgresql" else _sqlite_ids
    ids = find(session, site_id, words, opts, False, opts.limit)
    if len(ids) < opts.limit and len(words) > 1:
        ids += [
            pk for pk in find(session, site_id, words, opts, True, opts.limit + len(ids)) if pk not in ids
        ]
    return ids[: opts.limit]


def search_products(session: Session, site_id: int, query: str, opts: SearchOptions) -> list[tuple]:
    """``(Product, brand name or None)`` pairs for the best matches, in rank order."""
    ids = search_ids(session, site_id, query, opts)
    if not ids:
        return []
    rows = session.execute(
        select(Product, Brand.name)
        .outerjoin(Brand, (Brand.site_id == Product.site_id) & (Brand.platform_id == Product.brand_id))
        .where(Product.id.in_(ids))
    ).all()
    by_id = {product.id: (product, brand) for product, brand in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def in_stock(product: Product) -> bool:
    """The same rule as the index: purchasable, and in stock unless the platform does not track stock."""
    return bool(product.purchasable) and product.in_stock is not False
