"""Where a ``next=`` parameter may send a merchant after log-in: only to a path of this hub."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a same-site relative path, else ``default``.

    Refused: absolute and scheme-relative URLs (``//evil``), backslashes (browsers read ``/\\evil`` as
    ``//evil``), and control characters such as CR/LF (header injection, and browsers strip them, so
    ``/\\r\\n/evil`` would become ``//evil``).
    """
    if not target or len(target) > 2000:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return default
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default
