"""Categories and brands of the catalog."""

from __future__ import annotations

import html
import itertools
import logging
from collections.abc import Iterator
from typing import Any

from hub.contract import Brand, Category, ErrorKind, PlatformError, RecordError

from .client import BigCommerceClient
from .listing import iter_collection
from .parsing import Malformed, optional_bool, optional_str, record_id

log = logging.getLogger(__name__)


def _parent(value: Any) -> str | None:
    if value in (None, 0, "0"):
        return None  # 0: a top-level category
    return record_id(value, "parent_id")


def category_from_tree_item(raw: Any) -> Category:
    """An item of ``GET /v3/catalog/trees/categories``."""
    if not isinstance(raw, dict):
        raise Malformed("is not an object")
    url = raw.get("url")
    return Category(
        id=record_id(raw.get("category_id"), "category_id"),
        name=html.unescape(optional_str(raw.get("name"), "name") or ""),
        parent_id=_parent(raw.get("parent_id")),
        url_path=optional_str(url.get("path"), "url.path") if isinstance(url, dict) else None,
        is_visible=optional_bool(raw.get("is_visible"), "is_visible", True),
    )


def category_from_legacy_item(raw: Any) -> Category:
    """An item of the deprecated ``GET /v3/catalog/categories``."""
    if not isinstance(raw, dict):
        raise Malformed("is not an object")
    url = raw.get("custom_url")
    return Category(
        id=record_id(raw.get("id")),
        name=html.unescape(optional_str(raw.get("name"), "name") or ""),
        parent_id=_parent(raw.get("parent_id")),
        url_path=optional_str(url.get("url"), "custom_url.url") if isinstance(url, dict) else None,
        is_visible=optional_bool(raw.get("is_visible"), "is_visible", True),
    )


def fetch_categories(client: BigCommerceClient) -> Iterator[Category | RecordError]:
    """Every category: from the category-trees endpoint (all storefronts), or the legacy one if absent.

    An unreadable item is yielded as a RecordError (the hub then deletes no stored category).
    """
    seen: set[str] = set()
    try:
        items = iter_collection(client, "/v3/catalog/trees/categories")
        parse = category_from_tree_item
        first = next(items, None)
    except PlatformError as error:
        if error.kind is not ErrorKind.NOT_FOUND:
            raise
        log.info("category trees endpoint not available: using /v3/catalog/categories")
        items = iter_collection(client, "/v3/catalog/categories")
        parse = category_from_legacy_item
        first = next(items, None)
    if first is None:
        return
    for item in itertools.chain([first], items):
        try:
            category = parse(item)
        except Malformed as exc:
            log.warning("skipped a category: %s", exc)
            yield RecordError(None, f"a category was skipped: {exc}")
            continue
        if category.id not in seen:  # one category may appear in several trees' listings
            seen.add(category.id)
            yield category


def fetch_brands(client: BigCommerceClient) -> Iterator[Brand | RecordError]:
    """Every brand (``GET /v3/catalog/brands``); an unreadable one is yielded as a RecordError."""
    for raw in iter_collection(client, "/v3/catalog/brands"):
        try:
            if not isinstance(raw, dict):
                raise Malformed("is not an object")
            name = html.unescape(optional_str(raw.get("name"), "name") or "")
            yield Brand(id=record_id(raw.get("id")), name=name)
        except Malformed as exc:
            log.warning("skipped a brand: %s", exc)
            yield RecordError(None, f"a brand was skipped: {exc}")
