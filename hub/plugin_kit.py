"""Small helpers every platform plugin needs, so each plugin does not write them again.

Plugins may use them (they are part of what the hub offers plugin authors, like ``hub.contract``); nothing
here knows a platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: straight and typographic quotes merchants paste around values
QUOTES = "\"'`\u201c\u201d\u2018\u2019"


def clean_text(value: Any) -> str | None:
    """Strip whitespace, newlines and surrounding quotes; return None for an empty value."""
    if value is None:
        return None
    text = str(value).strip().strip(QUOTES).strip()
    return text or None


def bounded(settings: Mapping[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    """A numeric setting clamped to [lo, hi]; ``default`` when it is missing or not a number."""
    try:
        value = float(settings.get(key, default))
    except (TypeError, ValueError):
        return default
    return min(max(value, lo), hi)
