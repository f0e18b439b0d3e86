"""What a site's own catalog teaches the query parser: its words, brands, categories and option values.

Built from the database once per site and reused for ``SEARCH_VOCABULARY_TTL`` seconds, unless the
catalog's fingerprint moved meanwhile (a sync run finished, live updates were applied, the taxonomy changed,
or the site is another one under a reused id): then the next search rebuilds it at once.
Typo tolerance is a one-edit neighbourhood over this vocabulary
(SymSpell-style: every word is indexed under each of its one-letter deletions, so a lookup costs a few
dictionary probes whatever the catalog's size); prefixes are completed from the sorted word list.
"""

from __future__ import annotations

import bisect
import difflib
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hub.models import Brand, Category, Product, Site, SyncRun, WebhookBatch
from hub.widget.text import fold, words, written_words

#: words shorter than this are never "corrected" (too many neighbours: "tea" -> "pea")
MIN_TYPO_LENGTH = 4
#: a word still being typed asks the index for at most this many spellings of the words it starts
MAX_SPELLINGS = 20
_NUMERIC = re.compile(r"^\d+$")


@dataclass
class Vocabulary:
    """The catalog's words (with how many products use them) and its named things, all folded."""

    counts: Counter = field(default_factory=Counter)
    brands: dict[str, tuple[str, str]] = field(default_factory=dict)  #: folded name -> (platform id, name)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)  #: folded name -> (id, name)
    brand_names: dict[str, str] = field(default_factory=dict)  #: platform id -> folded name
    category_names: dict[str, str] = field(default_factory=dict)  #: platform id -> folded name
    option_values: set[str] = field(default_factory=set)
    cheap_price: Decimal | None = None  #: the price below which a third of the catalog sells
    products: int = 0  #: live products read
    attribute_counts: Counter = field(default_factory=Counter)  #: words of SKUs, options, fields, tags
    #: folded word -> the catalog's own spellings of it, lower case, where folding took more than case
    #: ("ελληνικος" -> "ελληνικός"): SQLite's tokenizer removes Latin accents only (:meth:`spellings_for`)
    spellings: dict[str, set[str]] = field(default_factory=dict)
    _spelled: list[str] = field(default_factory=list)
    _sorted: list[str] = field(default_factory=list)
    _deletes: dict[str, list[str]] = field(default_factory=dict)
    _by_initial: dict[str, list[str]] = field(default_factory=dict)

    def add(self, value: str | None, n: int = 1) -> None:
        """Count the words of ``value`` (and keep their spellings, when folding changed them)."""
        for word in words(value or ""):
            if not _NUMERIC.match(word):
                self.counts[word] += n
        if value and not value.isascii():
            for written in written_words(value):
                folded = fold(written)
                if folded != written:
                    self.spellings.setdefault(folded, set()).add(written)

    def freeze(self) -> Vocabulary:
        """Build the lookup structures once all words are in."""
        self._sorted = sorted(self.counts)
        deletes: dict[str, list[str]] = {}
        for word in self._sorted:
            if len(word) < MIN_TYPO_LENGTH:
                continue
            for variant in _deletions(word) | {word}:
                deletes.setdefault(variant, []).append(word)
        self._deletes = deletes
        by_initial: dict[str, list[str]] = {}
        for word in self._sorted:
            by_initial.setdefault(word[0], []).append(word)
        self._by_initial = by_initial
        self._spelled = sorted(self.spellings)
        return self

    def spellings_for(self, word: str, prefix: bool = False) -> list[str]:
        """The catalog's spellings of the folded ``word`` (with ``prefix``, of the words it starts; at most
        :data:`MAX_SPELLINGS`). SQLite's index keeps marks its tokenizer does not remove (all but Latin
        accents: "йогурт", "ελληνικός") while shoppers' words are folded ("иогурт", "ελληνικος"), so its
        queries ask for these too; PostgreSQL's index is folded like the query and needs none."""
        if not prefix:
            return sorted(self.spellings.get(word, ()))
        found: list[str] = []
        start = bisect.bisect_left(self._spelled, word)
        for key in self._spelled[start:]:
            if not key.startswith(word) or len(found) >= MAX_SPELLINGS:
                break
            found.extend(sorted(self.spellings[key]))
        return found[:MAX_SPELLINGS]

    def knows(self, word: str) -> bool:
        """Is ``word`` (or its plural/singular) a word of the catalog?"""
        return word in self.counts or stem(word) in self.counts or stem(word) + "s" in self.counts

    def correct(self, word: str) -> str | None:
        """The catalog's most common word one edit away from ``word`` (a typo), or None."""
        if len(word) < MIN_TYPO_LENGTH or self.knows(word) or _NUMERIC.match(word):
            return None
        found: set[str] = set()
        for variant in _deletions(word) | {word}:
            found.update(self._deletes.get(variant, ()))
        close = [w for w in found if w != word and osa_distance(word, w) <= 1]
        if not close:
            return None
        return max(close, key=lambda w: (self.counts[w], w))

    def nearest(self, word: str) -> str | None:
        """The catalog word closest to ``word`` (one edit, else a looser match among words of about its
        length and first letter), or None: for "did you mean" and synonym suggestions."""
        fix = self.correct(word)
        if fix or len(word) < MIN_TYPO_LENGTH:
            return fix
        pool = [w for w in self._by_initial.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        close = difflib.get_close_matches(word, pool, n=1, cutoff=0.7)
        return close[0] if close else None

    def common(self, word: str, prefix: bool = False, attributes: bool = False) -> bool:
        """Do many products (1 %, at least 50) use ``word`` (or, for a prefix, its commonest words) in
        their own text, or with ``attributes`` in their variants, options, custom fields and tags?"""
        counts = self.attribute_counts if attributes else self.counts
        found = [word, stem(word)] if not prefix else self.completions(word)
        return sum(counts.get(w, 0) for w in found) >= max(50, self.products // 100)

    def completions(self, prefix: str, limit: int = 5) -> list[str]:
        """Catalog words starting with ``prefix``, most used first."""
        start = bisect.bisect_left(self._sorted, prefix)
        found = []
        for word in self._sorted[start : start + 200]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return sorted(found, key=lambda w: (-self.counts[w], w))[:limit]


@lru_cache(maxsize=65536)  # pure, and ranking asks for the same few thousand words again and again
def stem(word: str) -> str:
    """A light English singular ("boxes" -> "box", "mugs" -> "mug"), used to compare words."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _attribute_terms(session: Session, site_id: int) -> list[str]:
    if session.get_bind().dialect.name == "postgresql":
        sql = "SELECT terms FROM product_attribute_search WHERE site_id = :site_id"
    else:
        sql = "SELECT terms FROM product_attributes WHERE product_attributes MATCH :match"
    return list(session.scalars(text(sql), {"site_id": site_id, "match": f"filters:s{int(site_id)}x"}))


def _option_values(session: Session, site_id: int) -> set[str]:
    """Folded option values (colours, sizes) of the site's variants, from the payload JSON."""
    if session.get_bind().dialect.name == "postgresql":
        sql = (
            "SELECT DISTINCT o->>'value' FROM product_payloads pp JOIN products p ON p.id = pp.product_id, "
            "json_array_elements(pp.variants) v, json_array_elements(COALESCE(v->'option_values', '[]'::json)) o "
            "WHERE p.site_id = :site_id"
        )
    else:
        sql = (
            "SELECT DISTINCT json_extract(o.value, '$.value') FROM product_payloads pp "
            "JOIN products p ON p.id = pp.product_id, json_each(pp.variants) v, "
            "json_each(v.value, '$.option_values') o WHERE p.site_id = :site_id"
        )
    return {fold(v).strip() for v in session.scalars(text(sql), {"site_id": site_id}) if v}


def build(session: Session, site_id: int) -> Vocabulary:
    """Read the site's catalog vocabulary from the database."""
    vocab = Vocabulary()
    prices: list[Decimal] = []
    live = (Product.site_id == site_id) & Product.archived_at.is_(None)
    for name, price, sale in session.execute(
        select(Product.name, Product.price, Product.sale_price).where(live)
    ):
        vocab.add(name)
        vocab.products += 1
        try:
            amount = Decimal(sale or price or "")
            prices.append(min(amount, Decimal(price)) if sale and price else amount)
        except (InvalidOperation, ValueError):
            pass
    for pid, name in session.execute(select(Brand.platform_id, Brand.name).where(Brand.site_id == site_id)):
        vocab.brands[fold(name).strip()] = (pid, name)
        vocab.brand_names[pid] = fold(name)
        vocab.add(name)
    for pid, name in session.execute(
        select(Category.platform_id, Category.name).where(Category.site_id == site_id)
    ):
        vocab.categories.setdefault(fold(name).strip(), (pid, name))
        vocab.category_names[pid] = fold(name)
        vocab.add(name)
    for terms in _attribute_terms(session, site_id):
        vocab.add(terms)
        vocab.attribute_counts.update(set(words(terms)))
    vocab.option_values = _option_values(session, site_id)
    if prices:
        prices.sort()
        vocab.cheap_price = prices[len(prices) // 3]
    return vocab.freeze()


_cache: dict[int, tuple[float, tuple, Vocabulary]] = {}
_lock = threading.Lock()


def fingerprint(session: Session, site_id: int) -> tuple:
    """What changes when the vocabulary may have: one query of indexed aggregates (well under a millisecond)."""
    finished = (SyncRun.state.in_(("succeeded", "partially_failed")), SyncRun.site_id == site_id)
    row = session.execute(
        select(
            select(Site.created_at).where(Site.id == site_id).scalar_subquery(),
            select(func.max(SyncRun.id)).where(*finished).scalar_subquery(),
            select(func.count()).where(Brand.site_id == site_id).scalar_subquery(),
            select(func.max(Brand.id)).where(Brand.site_id == site_id).scalar_subquery(),
            select(func.count()).where(Category.site_id == site_id).scalar_subquery(),
            select(func.max(Category.id)).where(Category.site_id == site_id).scalar_subquery(),
            select(func.max(WebhookBatch.id)).where(WebhookBatch.site_id == site_id).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def vocabulary_for(session: Session, site_id: int, ttl: float) -> Vocabulary:
    """The site's vocabulary, rebuilt when older than ``ttl`` seconds or when its catalog changed."""
    now = time.monotonic()
    mark = fingerprint(session, site_id)
    with _lock:
        cached = _cache.get(site_id)
    if cached is not None and now - cached[0] < ttl and cached[1] == mark:
        return cached[2]
    vocab = build(session, site_id)
    with _lock:
        _cache[site_id] = (now, mark, vocab)
    return vocab


def forget(site_id: int | None = None) -> None:
    """Drop cached vocabularies (all, or one site's): the next search rebuilds them."""
    with _lock:
        if site_id is None:
            _cache.clear()
        else:
            _cache.pop(site_id, None)
