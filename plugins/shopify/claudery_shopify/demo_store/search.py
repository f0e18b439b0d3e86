"""Shopify search syntax for ``products(query:)`` (shopify-api.md §3.3), compiled to a predicate on a Core.

Supported: ``field:value``, ``field:>value`` (also ``>=``, ``<``, ``<=``), quoted values, ``AND``/``OR``
(adjacent terms mean AND), ``NOT``/``-`` negation, and bare words (title contains). Fields: updated_at,
created_at, published_at, status, vendor, product_type, tag, tag_not, title, handle, id, sku,
collection_id. An unknown field is ignored with a warning in ``extensions.search``, as Shopify does. An
unquoted timestamp is cut at its first colon, so it filters by day: Shopify's silent mis-parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from claudery_shopify.demo_store.generator import Core

Predicate = Callable[[Core], bool]
TIME_FIELDS = {"updated_at": "updated", "created_at": "created", "published_at": "published"}
TEXT_FIELDS = {"vendor": "vendor", "product_type": "product_type", "handle": "handle"}
TOKEN_PATTERN = re.compile(
    r"""\s*(\(|\)|-?[A-Za-z_]+:(?:[<>]=?)?(?:'[^']*'|"[^"]*"|[^\s()]*)|'[^']*'|"[^"]*"|[^\s()]+)"""
)


@dataclass
class Search:
    """A compiled query: the predicate, warnings, and an ``updated_at`` lower bound for fast seeking."""

    predicate: Predicate | None
    warnings: list[dict[str, str]] = field(default_factory=list)
    updated_min: int | None = None  #: every match has updated >= this (set when the query is a plain AND)
    indexed_until: float | None = None  #: search-index lag: products changed after this are not found yet

    def __call__(self, core: Core) -> bool:
        if self.predicate is None:
            return True
        if self.indexed_until is not None and core.updated > self.indexed_until:
            return False
        return self.predicate(core)


def parse_time(text: str) -> int:
    """Epoch seconds of an ISO 8601 timestamp or date (UTC when no offset is given)."""
    text = text.strip()
    if len(text) == 10:
        text += "T00:00:00"
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def compile_search(
    query: str | None,
    *,
    status_default: str = "all",
    sku_of: Callable[[Core], list[str | None]] | None = None,
    collection_index: dict[int, int] | None = None,
) -> Search:
    """Compile ``query`` (None or blank = everything, subject to ``status_default``)."""
    search = Search(None)
    terms: list[Any] = []
    has_status = False
    if query and query.strip():
        tokens = [t for t in TOKEN_PATTERN.findall(query) if t]
        pos = 0
        ors: list[list[Predicate]] = [[]]
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == "OR":
                ors.append([])
                continue
            if tok in ("AND", "(", ")"):
                continue
            negate = False
            if tok == "NOT" and pos < len(tokens):
                negate, tok = True, tokens[pos]
                pos += 1
            elif tok.startswith("-") and len(tok) > 1:
                negate, tok = True, tok[1:]
            has_status |= tok.startswith("status:")
            pred = _term(
                tok,
                search,
                negate=negate,
                single="OR" not in tokens,
                sku_of=sku_of,
                collections=collection_index or {},
            )
            if pred is not None:
                ors[-1].append((lambda p: lambda c: not p(c))(pred) if negate else pred)
        groups = [g for g in ors if g]
        if len(ors) > 1:
            search.updated_min = None  # a bound from one OR branch does not hold for the others
        if groups:
            terms = groups
    if status_default == "active" and not has_status:
        terms = [[*g, _status_pred({"ACTIVE"})] for g in terms] or [[_status_pred({"ACTIVE"})]]
    if terms:
        search.predicate = _any_of([_all_of(g) for g in terms])
    return search


def _all_of(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    return lambda c: all(p(c) for p in preds)


def _any_of(preds: list[Predicate]) -> Predicate:
    if len(preds) == 1:
        return preds[0]
    return lambda c: any(p(c) for p in preds)


def _status_pred(values: set[str]) -> Predicate:
    return lambda c: c.status in values


def _unquote(value: str) -> tuple[str, bool]:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1], True
    return value, False


def _term(
    tok: str,
    search: Search,
    *,
    negate: bool,
    single: bool,
    sku_of: Callable[[Core], list[str | None]] | None,
    collections: dict[int, int],
) -> Predicate | None:
    name, sep, rest = tok.partition(":")
    if not sep:
        word = _unquote(tok)[0].lower()
        return lambda c: word in c.title.lower()
    name = name.lower()
    op = ""
    for candidate in (">=", "<=", ">", "<"):
        if rest.startswith(candidate):
            op, rest = candidate, rest[len(candidate) :]
            break
    value, quoted = _unquote(rest)
    if name in TIME_FIELDS:
        if not quoted and ":" in value:  # Shopify cuts an unquoted timestamp at the colon: day precision
            value = value.split("T", 1)[0]
        try:
            bound = parse_time(value)
        except ValueError:
            search.warnings.append({"field": name, "message": f"Invalid value '{value}' for {name}."})
            return None
        attr = TIME_FIELDS[name]
        if name == "updated_at" and not negate and single and op in (">", ">="):
            search.updated_min = bound + (1 if op == ">" else 0)
        return _compare(attr, op, bound)
    if name == "status":
        wanted = {v.strip().upper() for v in value.split(",") if v.strip()}
        return _status_pred(wanted)
    if name in TEXT_FIELDS:
        attr, low = TEXT_FIELDS[name], value.lower()
        return lambda c: (getattr(c, attr) or "").lower() == low
    if name == "title":
        low = value.lower().rstrip("*")
        return lambda c: low in c.title.lower()
    if name in ("tag", "tag_not"):
        tag = value.lower()
        has = lambda c: any(t.lower() == tag for t in c.tags)  # noqa: E731
        return has if name == "tag" else (lambda c: not has(c))
    if name == "id":
        try:
            number = int(value.rsplit("/", 1)[-1])
        except ValueError:
            search.warnings.append({"field": name, "message": f"Invalid value '{value}' for id."})
            return None
        return _compare("id", op, number)
    if name == "sku" and sku_of is not None:
        return lambda c: value in sku_of(c)
    if name == "collection_id" and value.rsplit("/", 1)[-1].isdigit():
        index = collections.get(int(value.rsplit("/", 1)[-1]), -1)
        return lambda c: index in c.collections
    search.warnings.append({"field": name, "message": "Invalid search field for this query."})
    return None


def _compare(attr: str, op: str, bound: int) -> Predicate:
    if op == ">=":
        return lambda c: (getattr(c, attr) or 0) >= bound
    if op == ">":
        return lambda c: (getattr(c, attr) or 0) > bound
    if op == "<=":
        return lambda c: getattr(c, attr) is not None and getattr(c, attr) <= bound
    if op == "<":
        return lambda c: getattr(c, attr) is not None and getattr(c, attr) < bound
    if attr in ("updated", "created", "published"):  # field:date means that day
        return lambda c: getattr(c, attr) is not None and bound <= getattr(c, attr) < bound + 86_400
    return lambda c: getattr(c, attr) == bound
