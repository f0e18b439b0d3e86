"""A site's search preferences: reading them with defaults, validating a merchant's edits.

No row means the defaults; the row is created when the merchant first saves the preferences page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.models.search import DEFAULT_WEIGHTS, FIELDS, SearchPreferences
from hub.widget.ranking import Weights
from hub.widget.text import words

MAX_WEIGHT = 100.0
MAX_BOOST = 50.0
MAX_SYNONYM_GROUPS = 200
MAX_STOP_WORDS = 200
MAX_PINNED_QUERIES = 200
MAX_PINNED_PER_QUERY = 10


@dataclass(frozen=True)
class Preferences:
    """The preferences one search uses (a plain value: the preview passes unsaved ones)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    boost_in_stock: float = 2.0
    boost_on_sale: float = 1.0
    typo_tolerance: bool = True
    pinned: dict[str, list[str]] = field(default_factory=dict)
    synonyms: list[list[str]] = field(default_factory=list)
    stop_words: list[str] = field(default_factory=list)

    def ranking(self) -> Weights:
        """The ranker's view of these preferences."""
        return Weights(dict(self.weights), self.boost_in_stock, self.boost_on_sale)


def load(session: Session, site_id: int) -> Preferences:
    """The site's saved preferences, or the defaults."""
    row = session.scalar(select(SearchPreferences).where(SearchPreferences.site_id == site_id))
    if row is None:
        return Preferences()
    return Preferences(
        weights={**DEFAULT_WEIGHTS, **(row.weights or {})},
        boost_in_stock=row.boost_in_stock,
        boost_on_sale=row.boost_on_sale,
        typo_tolerance=row.typo_tolerance,
        pinned=dict(row.pinned or {}),
        synonyms=[list(g) for g in row.synonyms or []],
        stop_words=list(row.stop_words or []),
    )


def save(session: Session, site_id: int, prefs: Preferences) -> None:
    """Store ``prefs`` as the site's preferences (the caller commits)."""
    row = session.scalar(select(SearchPreferences).where(SearchPreferences.site_id == site_id))
    if row is None:
        row = SearchPreferences(site_id=site_id)
        session.add(row)
    row.weights = dict(prefs.weights)
    row.boost_in_stock = prefs.boost_in_stock
    row.boost_on_sale = prefs.boost_on_sale
    row.typo_tolerance = prefs.typo_tolerance
    row.pinned = {k: list(v) for k, v in prefs.pinned.items()}
    row.synonyms = [list(g) for g in prefs.synonyms]
    row.stop_words = list(prefs.stop_words)


class PreferenceError(ValueError):
    """A merchant's input that cannot become preferences; the message says what to fix."""


def _number(form: dict, key: str, low: float, high: float, default: float) -> float:
    raw = (form.get(key) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise PreferenceError(f"{key.replace('_', ' ')}: enter a number") from None
    if not low <= value <= high:
        raise PreferenceError(f"{key.replace('_', ' ')}: between {low:g} and {high:g}")
    return value


def parse_synonyms(value: str) -> list[list[str]]:
    """One group per line, words separated by ``=`` or commas: ``sofa = couch = settee``."""
    groups = []
    for line in value.splitlines():
        group = [" ".join(words(part)) for part in line.replace(",", "=").split("=")]
        group = [g for g in group if g]
        if len(group) >= 2:
            groups.append(group)
    if len(groups) > MAX_SYNONYM_GROUPS:
        raise PreferenceError(f"synonyms: at most {MAX_SYNONYM_GROUPS} lines")
    return groups


def parse_pinned(value: str) -> dict[str, list[str]]:
    """One query per line: ``query: product id, product id``."""
    pinned: dict[str, list[str]] = {}
    for number, line in enumerate(value.splitlines(), 1):
        if not line.strip():
            continue
        query, sep, ids = line.partition(":")
        key = " ".join(words(query))
        found = [i.strip() for i in ids.split(",") if i.strip()]
        if not sep or not key or not found:
            raise PreferenceError(f"pinned products, line {number}: write “query: product id, product id”")
        pinned[key] = found[:MAX_PINNED_PER_QUERY]
    if len(pinned) > MAX_PINNED_QUERIES:
        raise PreferenceError(f"pinned products: at most {MAX_PINNED_QUERIES} queries")
    return pinned


def from_form(form: dict) -> Preferences:
    """Preferences from the page's fields (all optional; missing ones take the defaults)."""
    weights = {f: _number(form, f"weight_{f}", 0, MAX_WEIGHT, DEFAULT_WEIGHTS[f]) for f in FIELDS}
    stop_words = sorted({w for w in words(form.get("stop_words") or "")})
    if len(stop_words) > MAX_STOP_WORDS:
        raise PreferenceError(f"stop words: at most {MAX_STOP_WORDS}")
    return Preferences(
        weights=weights,
        boost_in_stock=_number(form, "boost_in_stock", 0, MAX_BOOST, 2.0),
        boost_on_sale=_number(form, "boost_on_sale", 0, MAX_BOOST, 1.0),
        typo_tolerance=(form.get("typo_tolerance") or "") in ("1", "on", "true", "y"),
        pinned=parse_pinned(form.get("pinned") or ""),
        synonyms=parse_synonyms(form.get("synonyms") or ""),
        stop_words=stop_words,
    )


def as_form(prefs: Preferences) -> dict[str, str]:
    """The page's field values for ``prefs``."""
    values = {f"weight_{f}": f"{prefs.weights.get(f, 0):g}" for f in FIELDS}
    values.update(
        boost_in_stock=f"{prefs.boost_in_stock:g}",
        boost_on_sale=f"{prefs.boost_on_sale:g}",
        typo_tolerance="1" if prefs.typo_tolerance else "",
        pinned="\n".join(f"{q}: {', '.join(ids)}" for q, ids in prefs.pinned.items()),
        synonyms="\n".join(" = ".join(g) for g in prefs.synonyms),
        stop_words=" ".join(prefs.stop_words),
    )
    return values
