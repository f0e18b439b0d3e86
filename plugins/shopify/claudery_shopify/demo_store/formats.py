"""Value formats of the Admin API: DateTime, Money and MoneyV2 amounts, handles, plain-text descriptions."""

from __future__ import annotations

import functools
import re
import time
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TAGS = re.compile(r"<[^>]+>")


@functools.lru_cache(maxsize=1 << 16)
def iso(ts: int | float) -> str:
    """GraphQL ``DateTime``: UTC with ``Z`` (cached: a page formats thousands, many of them equal)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def money(cents: int) -> str:
    """``Money`` (variant price): two decimals, as captures show ``"50.00"``."""
    return f"{cents // 100}.{cents % 100:02d}"


def decimal_amount(cents: int) -> str:
    """``MoneyV2.amount`` (a Decimal): trailing zeros trimmed to one, as captures show ``"50.0"``."""
    whole, frac = divmod(cents, 100)
    return f"{whole}.{frac:02d}".rstrip("0") + ("0" if frac == 0 else "")


_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TAGS = re.compile(r"<[^>]+>")


def slug(text: str) -> str:
    """An ASCII URL handle: accents folded (ñ -> n), other non-ASCII dropped."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", folded).strip("-") or "item"


def strip_html(html: str) -> str:
    """``Product.description``: the HTML with tags removed."""
    return _TAGS.sub("", html).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()


def html_escape(text: str) -> str:
    """Escape text for an HTML description."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
