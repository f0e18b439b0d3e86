"""Bulk export (placeholder until implemented)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hub.contract import ErrorKind, PlatformError, ProductPage


def fetch(client: Any, cursor: Any, context: Any, total: int | None = None) -> Iterator[ProductPage]:
    """Not implemented yet."""
    raise PlatformError(ErrorKind.UNKNOWN, "bulk export is not implemented")
    yield  # pragma: no cover
