"""Completing a product whose included sub-resources (variants, images, custom fields) are cut short.

BigCommerce documents no truncation of ``include=variants,images,custom_fields`` (only ``options`` and
``modifiers`` limit the page to 10 products, and we never include those). A list is completed with the
product's own sub-resource endpoint only when it is missing from the answer (the include was ignored),
or when ``BIGCOMMERCE_SUBRESOURCE_LIMIT`` is set and the list reaches it (a platform that caps lists).
"""

from __future__ import annotations

import math
from typing import Any

from hub.contract import ErrorKind, PlatformError

from .client import BigCommerceClient, CallStats
from .settings import MAX_PAGE_SIZE

SUBRESOURCES = ("variants", "images", "custom_fields")
#: a sub-resource listing longer than this many pages is not a product's: stop (loop guard)
_MAX_SUBRESOURCE_PAGES = 400


def incomplete_subresources(raw: dict[str, Any], limit: int) -> list[str]:
    """The included lists of ``raw`` that may be incomplete."""
    keys = []
    for key in SUBRESOURCES:
        value = raw.get(key)
        if not isinstance(value, list) or (limit > 0 and len(value) >= limit):
            keys.append(key)
    return keys


def fetch_listing(client: BigCommerceClient, path: str, stats: CallStats) -> list[Any] | None:
    """Every item of a paged v3 listing (``page``/``limit``); None if the parent no longer exists."""
    items: list[Any] = []
    page = 1
    while True:
        try:
            resp = client.get(path, {"limit": MAX_PAGE_SIZE, "page": page}, stats=stats)
        except PlatformError as error:
            if error.kind is ErrorKind.NOT_FOUND:
                return None  # the product was deleted since the listing: keep what we have
            raise
        body = resp.body
        data = body.get("data") if isinstance(body, dict) else None
        if resp.status == 204 or data is None:
            return items  # 204: e.g. images of a product that has none
        if not isinstance(data, list):
            raise PlatformError(ErrorKind.UNKNOWN, f"BigCommerce sent an unreadable listing for {path}.")
        items.extend(data)
        meta = body.get("meta") if isinstance(body, dict) else None
        pagination = meta.get("pagination") if isinstance(meta, dict) else None
        total_pages = pagination.get("total_pages") if isinstance(pagination, dict) else None
        if not isinstance(total_pages, int) and isinstance(pagination, dict):
            total = pagination.get("total")
            total_pages = math.ceil(total / MAX_PAGE_SIZE) if isinstance(total, int) else None
        if len(data) < MAX_PAGE_SIZE or (isinstance(total_pages, int) and page >= total_pages):
            return items
        page += 1
        if page > _MAX_SUBRESOURCE_PAGES:
            raise PlatformError(
                ErrorKind.UNKNOWN, f"BigCommerce kept paging {path}; stopped to avoid a loop."
            )


def complete_product(
    client: BigCommerceClient, raw: dict[str, Any], keys: list[str], stats: CallStats
) -> None:
    """Replace the listed sub-resources of ``raw`` with their full lists, fetched per product."""
    pid = raw.get("id")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return  # the parser reports the bad id
    for key in keys:
        items = fetch_listing(client, f"/v3/catalog/products/{pid}/{key}", stats)
        if items is not None:
            raw[key] = items
