"""Understanding what a shopper typed: price limits, stock and sale intent, brands, categories, options,
typos and the word still being typed. No network and no model: fixed patterns plus the site's vocabulary.

Every understood part becomes a :class:`Chip` carrying the exact text it came from, so the widget can
remove it by removing that text and asking again (the server keeps no state between keystrokes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from hub.widget.text import fold, words
from hub.widget.vocabulary import Vocabulary, stem

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
#: words with no product meaning in a shopper's sentence; PostgreSQL's 'english' list is included, so both
#: databases see the same words (an empty tsquery there would match nothing where SQLite matches)
_STOPWORD_TEXT = """a an and any are as at be but by can do for from have i im in is it looking me my need of on or
please show some something that the this to want with you your find get buy like would myself we our
ours ourselves yours yourself yourselves he him his himself she her hers herself its itself they them
their theirs themselves what which who whom these those am was were been being has had having does did
doing if because until while about against between into through during before after above below up
down out off over under again further then once here there when where why how all both each few more
most other such no nor not only own same so than too very s t will just don should now"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_CUR = r"(?:[$\u20ac\u00a3]|(?:dollars?|euros?|pounds?|bucks?|usd|eur|gbp)\b)"
_AMOUNT = r"(\d{1,7}(?:[.,]\d{1,2})?)"
_MONEY = rf"{_CUR}?\s*{_AMOUNT}\s*{_CUR}?"
_START = r"(?<![\w$\u20ac\u00a3])"
_DASH = "\u2013"  # an en dash, as ranges are often typed or pasted with one
_MAX = r"(?:under|below|less\s+than|cheaper\s+than|max(?:imum)?|up\s+to|at\s+most|<=?)"
_MIN = r"(?:over|above|more\s+than|at\s+least|min(?:imum)?|from|>=?)"
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("range", re.compile(rf"{_START}(?:between|from)\s+{_MONEY}\s+(?:and|to|-)\s+{_MONEY}", re.I)),
    ("range", re.compile(rf"{_START}{_MONEY}\s*(?:-|{_DASH}|to)\s*{_MONEY}", re.I)),
    ("max", re.compile(rf"{_START}{_MAX}\s*{_MONEY}", re.I)),
    ("min", re.compile(rf"{_START}{_MIN}\s*{_MONEY}", re.I)),
    ("cheap", re.compile(r"\b(?:cheap|cheapest|budget|inexpensive|affordable)\b", re.I)),
    ("in_stock", re.compile(r"\b(?:in\s+stock|available\s+now|available|ships\s+now)\b", re.I)),
    ("on_sale", re.compile(r"\b(?:on\s+sale|sale|discounted|discount|deals?|reduced|clearance)\b", re.I)),
]  # fmt: skip
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


@dataclass(frozen=True)
class Chip:
    """One understood part of the query, shown to the shopper as a removable chip."""

    kind: str  #: price, in_stock, on_sale, brand, category, option, correction
    label: str  #: what the chip says ("under €20")
    text: str  #: the exact text of the query it came from (removing it removes the constraint)

    def as_dict(self) -> dict[str, str]:
        """The chip as the widget API sends it."""
        return {"kind": self.kind, "label": self.label, "text": self.text}


@dataclass
class Group:
    """One required word of the query, with the words that may stand for it (synonyms, a typo's fix)."""

    word: str
    alternatives: list[str]
    prefix: bool = False  #: the word is still being typed: match words starting with it


@dataclass
class Understanding:
    """What a query asks for."""

    query: str
    groups: list[Group] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    on_sale: bool = False
    brand: tuple[str, str] | None = None  #: (platform id, name)
    category: tuple[str, str] | None = None
    brand_words: list[str] = field(default_factory=list)
    category_words: list[str] = field(default_factory=list)
    chips: list[Chip] = field(default_factory=list)
    corrected: str | None = None  #: the query with typos fixed, when any were ("did you mean")

    @property
    def normalized(self) -> str:
        """The query as insights and pinned products key it: folded words, single spaces."""
        return " ".join(words(self.query))[:MAX_QUERY_CHARS]

    def has_filters(self) -> bool:
        """Does anything beyond words restrict the answer?"""
        return bool(
            self.price_min is not None or self.price_max is not None or self.in_stock or self.on_sale
            or self.brand or self.category
        )  # fmt: skip


def money_label(amount: Decimal, currency: str | None) -> str:
    """``€20`` / ``$12.50`` / ``20 CHF``: an amount as a chip shows it."""
    shown = f"{amount:f}".rstrip("0").rstrip(".") if "." in f"{amount:f}" else f"{amount:f}"
    symbol = _SYMBOLS.get((currency or "").upper())
    if symbol:
        return f"{symbol}{shown}"
    return f"{shown} {currency}" if currency else shown


def _amount(value: str) -> Decimal | None:
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None


def _apply_pattern(
    u: Understanding, kind: str, match: re.Match, vocab: Vocabulary, currency: str | None
) -> bool:
    """Record what a pattern match means; False when it means nothing usable (the text stays words)."""
    text = match.group(0).strip()
    if kind == "range":
        low, high = _amount(match.group(1)), _amount(match.group(2))
        if low is None or high is None:
            return False
        low, high = min(low, high), max(low, high)
        u.price_min, u.price_max = low, high
        label = f"{money_label(low, currency)}{_DASH}{money_label(high, currency)}"
        u.chips.append(Chip("price", label, text))
    elif kind in ("max", "min"):
        amount = _amount(match.group(1))
        if amount is None:
            return False
        if kind == "max":
            u.price_max = amount
            u.chips.append(Chip("price", f"under {money_label(amount, currency)}", text))
        else:
            u.price_min = amount
            u.chips.append(Chip("price", f"over {money_label(amount, currency)}", text))
    elif kind == "cheap":
        if vocab.cheap_price is None or u.price_max is not None:
            return False
        u.price_max = vocab.cheap_price
        u.chips.append(Chip("price", f"cheap (under {money_label(vocab.cheap_price, currency)})", text))
    elif kind == "in_stock":
        u.in_stock = True
        u.chips.append(Chip("in_stock", "in stock", text))
    elif kind == "on_sale":
        u.on_sale = True
        u.chips.append(Chip("on_sale", "on sale", text))
    return True


def _named(
    remaining: list[str], names: dict[str, tuple[str, str]]
) -> tuple[tuple[str, str], list[str]] | None:
    """The longest run of ``remaining`` words naming an entry of ``names`` (singular or plural)."""
    stems = {" ".join(stem(w) for w in key.split()): value for key, value in names.items()}
    for size in range(min(4, len(remaining)), 0, -1):
        for start in range(len(remaining) - size + 1):
            run = remaining[start : start + size]
            found = stems.get(" ".join(stem(w) for w in run))
            if found:
                return found, run
    return None


def understand(
    query: str,
    vocab: Vocabulary,
    *,
    currency: str | None = None,
    synonyms: list[list[str]] = (),
    stop_words: list[str] = (),
    typo_tolerance: bool = True,
    partial: bool = False,
) -> Understanding:
    """Parse ``query`` against the site's vocabulary.

    ``partial`` says the shopper is still typing: the last word then matches as a prefix. Merchant
    ``synonyms`` widen a word to its group; merchant ``stop_words`` are ignored like the built-in ones.
    """
    query = query[:MAX_QUERY_CHARS]
    u = Understanding(query=query)
    rest = query
    for kind, pattern in PATTERNS:
        for match in list(pattern.finditer(rest)):
            if _apply_pattern(u, kind, match, vocab, currency):
                rest = rest.replace(match.group(0), " ", 1)
    ignored = STOPWORDS | {fold(w).strip() for w in stop_words}
    typing_last = partial and bool(query) and not query[-1].isspace()
    raw = words(rest)
    last_raw = raw[-1] if raw and typing_last and words(query)[-1:] == raw[-1:] else None
    remaining = [w for w in raw if w not in ignored or w == last_raw]
    seen: set[str] = set()
    remaining = [w for w in remaining if not (w in seen or seen.add(w))]
    found = _named(remaining, vocab.brands) if remaining else None
    if found:
        u.brand, u.brand_words = found
        remaining = [w for w in remaining if w not in u.brand_words]
        u.chips.append(Chip("brand", found[0][1], _source_text(query, u.brand_words)))
    found = _named(remaining, vocab.categories) if remaining else None
    if found:
        u.category, u.category_words = found
        remaining = [w for w in remaining if w not in u.category_words]
        u.chips.append(Chip("category", found[0][1], _source_text(query, u.category_words)))
    groups = _synonym_map(synonyms)
    corrected_words: dict[str, str] = {}
    for word in remaining[:MAX_TERMS]:
        prefix = typing_last and word == last_raw and len(word) >= 2
        alternatives = [word]
        if not prefix and typo_tolerance and not vocab.knows(word):
            fix = vocab.correct(word)
            if fix:
                alternatives = [fix]
                corrected_words[word] = fix
                u.chips.append(Chip("correction", f"{word} → {fix}", _source_text(query, [word])))
        for alternative in list(alternatives):
            alternatives += [s for s in groups.get(alternative, ()) if s not in alternatives]
        if word in vocab.option_values or alternatives[0] in vocab.option_values:
            u.chips.append(Chip("option", alternatives[0], _source_text(query, [word])))
        u.groups.append(Group(word=word, alternatives=alternatives, prefix=prefix))
    if corrected_words:
        u.corrected = " ".join(corrected_words.get(w, w) for w in words(query))
    return u


def _synonym_map(synonyms: list[list[str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for group in synonyms:
        single = [w for w in (" ".join(words(s)) for s in group) if w and " " not in w]
        for word in single:
            found.setdefault(word, []).extend(s for s in single if s != word)
    return found


def _source_text(query: str, folded_words: list[str]) -> str:
    """The span of ``query`` holding ``folded_words`` (first to last), as typed."""
    spans = []
    for match in re.finditer(r"\w+", query):
        if fold(match.group(0)) in folded_words:
            spans.append(match.span())
    if not spans:
        return " ".join(folded_words)
    return query[spans[0][0] : spans[-1][1]]
