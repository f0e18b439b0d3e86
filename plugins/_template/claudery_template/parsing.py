"""The platform's records → the contract's records. REPLACE the field mapping with your platform's.

Everything a platform sends is untrusted. A record that cannot be used raises :class:`ValueError` here
and becomes a :class:`~hub.contract.RecordError` (the sync goes on); the hub validates lengths and
ranges again. Platform quirks are resolved here, never in the hub: HTML entities in names, "0 means
no sale price", which status means "cannot be bought", which stock field means "in stock".

Conventions of the contract:

* ids are **strings** (``str(record["id"])``), whatever the platform uses;
* prices are **decimal strings** (never floats: prices must not drift);
* times are **timezone-aware UTC** (a time without an offset is taken as UTC);
* ``purchasable``/``in_stock`` are the plugin's verdict: ``in_stock=None`` when stock is not tracked.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from hub.contract import Category, Image, Product, RecordError


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time as an aware UTC datetime; None when missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_id(record: Any) -> int | None:
    """The platform's integer id of a record, or None when it has none."""
    if isinstance(record, dict) and isinstance(record.get("id"), int) and not isinstance(record["id"], bool):
        return record["id"]
    return None


def _price(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str) and str(value).strip():
        return str(value).strip()  # decimal strings pass through; the hub checks they are numbers
    raise ValueError(f"price {value!r} is not a number")


def _images(record: dict[str, Any]) -> list[Image]:
    images = []
    for position, image in enumerate(record.get("images") or []):
        if isinstance(image, dict) and isinstance(image.get("src"), str):
            images.append(
                Image(
                    id=str(image.get("id", position)),
                    url=image["src"],
                    thumbnail_url=image.get("thumbnail") or None,
                    alt=image.get("alt") or None,
                    is_thumbnail=position == 0,  # this platform's first image is the main one
                    sort_order=position,
                )
            )
    return images


def parse_product(record: Any, shop_url: str) -> Product:
    """Map one API record to a Product; raise ValueError when it is unusable."""
    pid = record_id(record)
    if pid is None:
        raise ValueError("record has no id")
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name is missing")
    stock = record.get("stock")
    tracked = isinstance(stock, int) and not isinstance(stock, bool)
    sale = _price(record.get("sale_price"))
    slug = record.get("slug") if isinstance(record.get("slug"), str) else None
    return Product(
        id=str(pid),
        name=html.unescape(name),  # a quirk of this platform: names arrive HTML-escaped
        sku=record.get("sku") or None,
        description=record.get("description"),
        price=_price(record.get("price")),
        sale_price=None if sale in ("0", "0.00") else sale,  # this platform sends "0.00" for "no sale"
        purchasable=record.get("status") == "active",  # drafts cannot be bought
        is_visible=record.get("status") == "active",
        in_stock=stock > 0 if tracked else None,  # None: stock not tracked, treated as available
        inventory_level=stock if tracked else None,
        url=f"{shop_url}/products/{slug}" if slug else None,
        url_path=f"/products/{slug}" if slug else None,
        handle=slug,
        category_ids=[str(c) for c in record.get("category_ids") or [] if c is not None],
        tags=[t for t in record.get("tags") or [] if isinstance(t, str)],
        date_created=parse_time(record.get("created_at")),
        date_modified=parse_time(record.get("updated_at")),
        images=_images(record),
        raw=record,
    )


def parse_products(records: list[Any], shop_url: str) -> tuple[list[Product], list[RecordError]]:
    """Products and per-record errors of one page: a bad record never ends the fetch."""
    products: list[Product] = []
    errors: list[RecordError] = []
    for record in records:
        try:
            products.append(parse_product(record, shop_url))
        except ValueError as exc:
            pid = record.get("id") if isinstance(record, dict) else None
            errors.append(RecordError(None if pid is None else str(pid), str(exc)))
    return products, errors


def parse_category(record: Any) -> Category | RecordError:
    """Map one category record; an unusable one becomes a RecordError (the hub then deletes nothing)."""
    pid = record_id(record)
    name = record.get("name") if isinstance(record, dict) else None
    if pid is None or not isinstance(name, str) or not name.strip():
        return RecordError(None if pid is None else str(pid), "category has no id or no name")
    parent = record.get("parent_id")
    slug = record.get("slug")
    return Category(
        id=str(pid),
        name=html.unescape(name),
        parent_id=None if parent in (None, 0) else str(parent),
        url_path=f"/collections/{slug}" if isinstance(slug, str) and slug else None,
    )
