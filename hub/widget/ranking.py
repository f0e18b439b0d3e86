"""Ranking candidates the way the merchant tuned it, in Python, so both databases rank alike.

A product scores, for each word of the query, the weight of the best field the word (or one of its
alternatives) appears in; then a boost when it is in stock and when it is on sale. A word the database
matched in a field not scored here (the description) earns the description's weight. Ties break on the
name, then the platform id: the order never depends on the database's own relevance functions. Pinned
products for the query come first, in the merchant's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hub.widget.query import Group
from hub.widget.text import words
from hub.widget.vocabulary import Vocabulary, stem


@dataclass(frozen=True)
class Weights:
    """The merchant's ranking preferences, as the ranker reads them."""

    fields: dict[str, float] = field(default_factory=dict)
    boost_in_stock: float = 2.0
    boost_on_sale: float = 1.0


@dataclass
class Candidate:
    """What ranking reads of one product."""

    id: int
    platform_id: str
    name: str
    sku: str | None
    brand_id: str | None
    category_ids: list[str]
    price: str | None
    sale_price: str | None
    available: bool
    attributes: str = ""
    score: float = 0.0


def on_sale(price: str | None, sale: str | None) -> bool:
    """Is ``sale`` a real reduction of ``price``?"""
    try:
        return sale is not None and price is not None and Decimal(0) < Decimal(sale) < Decimal(price)
    except (InvalidOperation, ValueError):
        return False


def terms_of(value: str) -> set[str]:
    """A field's words and their singulars, for matching a query word either way."""
    found = set(words(value))
    return found | {stem(w) for w in found}


def matches(group: Group, terms: set[str]) -> bool:
    """Does ``group``'s word (or an alternative; a prefix while typing) appear among ``terms``?"""
    if group.prefix:
        return any(t.startswith(a) for a in group.alternatives for t in terms)
    return any(a in terms or stem(a) in terms for a in group.alternatives)


def score(
    candidate: Candidate, groups: list[Group], weights: Weights, vocab: Vocabulary, soft: list[Group] = ()
) -> float:
    """The candidate's relevance to ``groups`` under ``weights``.

    ``soft`` words (those that named a category or brand, now a filter) add their best field's weight
    where they appear, and nothing where they do not: in the Mugs category, the mugs come first.
    """
    sources = {
        "name": lambda: candidate.name,
        "sku": lambda: candidate.sku or "",
        "brand": lambda: vocab.brand_names.get(candidate.brand_id or "", ""),
        "categories": lambda: " ".join(vocab.category_names.get(str(c), "") for c in candidate.category_ids),
        "attributes": lambda: candidate.attributes,
    }
    # Fields by weight, heaviest first, read only when a word still needs them.
    order = sorted((w, n) for n, w in weights.fields.items() if w > 0 and n in sources)[::-1]
    cache: dict[str, set[str]] = {}

    def best(group: Group) -> float:
        for weight, name in order:
            if name not in cache:
                cache[name] = terms_of(sources[name]())
            if matches(group, cache[name]):
                return weight
        return 0.0

    total = 0.0
    for group in groups:
        total += best(group) or weights.fields.get("description", 0.0)
    for group in soft:
        total += best(group)
    if candidate.available:
        total += weights.boost_in_stock
    if on_sale(candidate.price, candidate.sale_price):
        total += weights.boost_on_sale
    return total


def rank(
    candidates: list[Candidate],
    groups: list[Group],
    weights: Weights,
    vocab: Vocabulary,
    soft: list[Group] = (),
) -> list[Candidate]:
    """``candidates`` best first (deterministic: score, then name, then platform id)."""
    for candidate in candidates:
        candidate.score = score(candidate, groups, weights, vocab, soft)
    return sorted(candidates, key=lambda c: (-c.score, c.name.lower(), c.platform_id))


def pin(ranked: list[Candidate], pinned_ids: list[str], pinned: list[Candidate]) -> list[Candidate]:
    """``ranked`` with the merchant's pinned products first, in the pinned order."""
    by_platform = {c.platform_id: c for c in (*pinned, *ranked)}
    first = [by_platform[pid] for pid in pinned_ids if pid in by_platform]
    taken = {c.platform_id for c in first}
    return first + [c for c in ranked if c.platform_id not in taken]
