"""Text every database can store: no NUL character, nothing UTF-8 cannot encode.

A platform may send either (a NUL byte in a name; half of a UTF-16 pair, which Python's ``json`` module
makes of the JSON escape ``"\\ud800"``). PostgreSQL refuses NUL in text, and neither database driver can
encode a lone surrogate: one such value would fail a whole page. ``hub.sync.validate`` repairs a record's
own text with these and reports it; ``hub.sync.prepare`` repairs what the check's fast path let through
(a variant's, an image's text) where serializing it fails; ingest stores error messages through
:func:`storable`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hub.contract import Product

NUL = "\x00"

#: the note of a product repaired by :func:`unicode_repaired`
UNICODE_REPAIRED = (
    "Repaired: text that was not valid Unicode (half of a character pair) replaced with \ufffd."
)


def each_text(value: Any, fix: Callable[[str], str]) -> Any:
    """``value`` with ``fix`` applied to every string in it: dict keys and values, list items and the
    fields of dataclasses (a contract record and its children), at any depth."""
    if isinstance(value, str):
        return fix(value)
    if isinstance(value, dict):
        return {each_text(k, fix): each_text(v, fix) for k, v in value.items()}
    if isinstance(value, list):
        return [each_text(v, fix) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value) if f.init]
        return dataclasses.replace(value, **{n: each_text(getattr(value, n), fix) for n in names})
    return value


def without_nul(text: str) -> str:
    """``text`` with every NUL character removed."""
    return text.replace(NUL, "")


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def valid_unicode(text: str) -> str:
    """``text`` itself when UTF-8 can encode it (ASCII is known at once, for free), else a copy with each
    lone surrogate replaced by U+FFFD; whole pairs are joined."""
    if text.isascii() or _encodable(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def storable(text: str) -> str:
    """``text`` as any database stores it: NUL removed, lone surrogates replaced (for messages and ids
    that reach the database without a check, e.g. a plugin's error naming a malformed record)."""
    return valid_unicode(without_nul(text))


def unicode_repaired(product: Product) -> Product:
    """A checked product whose text cannot be encoded as UTF-8, repaired.

    Its own fields are repaired by the check; its children's text, which the check's fast path takes as
    it is, is rare enough to be found where it breaks (when the product is serialized) instead of testing
    every string of every variant and image for it.
    """
    return each_text(product, valid_unicode)
