"""Text folding shared by the index's readers: lower case, no accents, words of letters and digits."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(value: str) -> str:
    """Lower case without accents ("Crème" -> "creme"), as the index folds names and descriptions."""
    if value.isascii():  # the common case, and ranking folds every candidate's fields
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    """The folded words of ``value``, in order (underscores are not word characters here)."""
    found = []
    for word in _WORD.findall(fold(value)):
        for part in word.split("_"):
            if part:
                found.append(part)
    return found
