"""A Shopify product (GraphQL node, or bulk JSONL lines joined) → the contract's Product.

Mapping (documented for merchants in the README): ``vendor`` → the brand (its id is the vendor name),
collections → categories (collection GIDs), metafields → custom fields (``namespace.key``), image media
→ images (videos and 3D models have no image URL and are left out), ``compareAtPrice`` above ``price`` →
on sale (``price`` = the compare-at price, ``sale_price`` = the selling price). ``ACTIVE`` and published →
visible; ``ACTIVE`` or ``UNLISTED`` → purchasable. Money is parsed as Decimal and kept as a string.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.contract import CustomField, Image, Product, RecordError, Variant

#: control characters a broken description may carry (tab, newline and carriage return are kept)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadRecord(ValueError):
    """A field the hub cannot use; the product becomes a RecordError."""


def money(value: Any, what: str) -> str | None:
    """A decimal string (``"50.0"`` and ``"50.00"`` are both Shopify's), or None."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadRecord(f"{what} is not a number ({str(value)[:40]!r})") from None
    if not amount.is_finite() or amount < 0:
        raise BadRecord(f"{what} is not a valid amount ({str(value)[:40]!r})")
    return str(amount)


def timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from Shopify's ISO-8601 (``…Z``) text."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(f"unreadable time {str(value)[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _prices(price: Any, compare_at: Any, what: str) -> tuple[str | None, str | None]:
    """(regular price, sale price): Shopify's compare-at price above the price means "on sale"."""
    selling = money(price, f"{what} price")
    regular = money(compare_at, f"{what} compare-at price")
    if selling is not None and regular is not None and Decimal(regular) > Decimal(selling):
        return regular, selling
    return selling, None


def parse_variant(node: dict[str, Any]) -> Variant:
    """One ProductVariant."""
    price, sale = _prices(node.get("price"), node.get("compareAtPrice"), "variant")
    quantity = node.get("inventoryQuantity")
    available = node.get("availableForSale")
    return Variant(
        id=str(node["id"]),
        sku=node.get("sku") or None,
        price=price,
        sale_price=sale,
        inventory_level=quantity if isinstance(quantity, int) else None,
        in_stock=available if isinstance(available, bool) else None,
        option_values=[
            {"option": str(o.get("name")), "value": str(o.get("value"))}
            for o in node.get("selectedOptions") or []
            if isinstance(o, dict)
        ],
    )


def parse_image(node: dict[str, Any], position: int) -> Image | None:
    """An image medium (MediaImage with an image); None for videos and models."""
    image = node.get("image")
    if not isinstance(image, dict) or not image.get("url"):
        return None
    return Image(
        id=str(node["id"]),
        url=str(image["url"]),
        alt=image.get("altText") or node.get("alt") or None,
        is_thumbnail=position == 0,
        sort_order=position,
    )


def parse_product(node: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> Product | RecordError:
    """A product from its node and its complete nested rows (``children[name]``, every page joined)."""
    product_id = node.get("id")
    if not isinstance(product_id, str) or not product_id:
        return RecordError(None, "a product without an id")
    try:
        return _parse(product_id, node, children)
    except (BadRecord, KeyError, TypeError, AttributeError) as exc:
        return RecordError(
            product_id, str(exc) if isinstance(exc, BadRecord) else f"malformed product ({exc!r})"
        )


def _parse(product_id: str, node: dict[str, Any], children: dict[str, list[dict[str, Any]]]) -> Product:
    title = node.get("title")
    if not isinstance(title, str) or not title.strip():
        raise BadRecord("title is empty")
    variants = [parse_variant(v) for v in children.get("variants", [])]
    images = [
        image
        for image in (parse_image(m, i) for i, m in enumerate(children.get("media", [])))
        if image is not None
    ]
    for position, image in enumerate(images):
        image.sort_order, image.is_thumbnail = position, position == 0
    status = str(node.get("status") or "").upper()
    cheapest = min(
        (v for v in variants if v.price is not None),
        key=lambda v: Decimal(v.sale_price or v.price or "0"),
        default=None,
    )
    stocks = [v.in_stock for v in variants if v.in_stock is not None]
    total = node.get("totalInventory")
    description = node.get("descriptionHtml")
    vendor = (node.get("vendor") or "").strip()
    handle = node.get("handle") or None
    return Product(
        id=product_id,
        name=title.strip(),
        sku=variants[0].sku if len(variants) == 1 else None,
        description=_CONTROL_RE.sub("", description) if isinstance(description, str) else None,
        price=cheapest.price if cheapest else None,
        sale_price=cheapest.sale_price if cheapest else None,
        is_visible=status == "ACTIVE" and node.get("publishedAt") is not None,
        purchasable=status in ("ACTIVE", "UNLISTED"),
        in_stock=any(stocks) if stocks else None,
        inventory_level=total
        if isinstance(total, int) and node.get("tracksInventory") is not False
        else None,
        url=node.get("onlineStoreUrl") or None,
        url_path=f"/products/{handle}" if handle else None,
        handle=handle,
        brand_ids=[vendor] if vendor else [],
        category_ids=[str(c["id"]) for c in children.get("collections", [])],
        tags=[str(t) for t in node.get("tags") or []],
        date_created=timestamp(node.get("createdAt")),
        date_modified=timestamp(node.get("updatedAt")),
        variants=variants,
        images=images,
        custom_fields=[
            CustomField(name=f"{m['namespace']}.{m['key']}", value=str(m.get("value") or ""), id=str(m["id"]))
            for m in children.get("metafields", [])
        ],
        raw={k: v for k, v in node.items() if k not in _NESTED_KEYS},
    )


_NESTED_KEYS = frozenset({"variants", "media", "metafields", "collections"})
