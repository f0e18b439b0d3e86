"""Turning BigCommerce's raw product JSON into the contract's :class:`Product`, defensively.

A product whose own fields are unusable (no id, null name, a price that is not a number, ...) becomes
a :class:`RecordError` and the fetch goes on. A malformed variant, image or custom field is dropped and
reported as a RecordError of its product, which is kept.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.contract import CustomField, Image, Product, RecordError, Variant

#: no real price reaches this; larger values cannot be quantized to cents (decimal.InvalidOperation)
MAX_PRICE = Decimal("1e15")


class Malformed(ValueError):
    """A field of a record has the wrong type or value; the message says which and how."""


def _has(raw: dict[str, Any], key: str) -> bool:
    return raw.get(key) is not None


def record_id(value: Any, what: str = "id") -> str:
    """A platform id as a string: a positive integer (or its digits as text)."""
    if isinstance(value, bool):
        raise Malformed(f"{what} is not an integer")
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return str(int(value))
    if value is None:
        raise Malformed(f"{what} is missing")
    raise Malformed(f"{what} is not a positive integer")


def decimal_str(value: Any, what: str) -> str | None:
    """A price as a decimal string with at least two decimals (``7.95``, ``10.00``); None if null."""
    if value is None:
        return None
    kind = type(value)
    if kind is float:  # the usual case: JSON numbers; str(float) is the shortest repr, as below
        text = repr(value)
        _whole, dot, fraction = text.partition(".")
        if dot and "e" not in fraction and len(fraction) >= 1:  # not 1e+16, inf or nan: Decimal decides
            return text if len(fraction) >= 2 else text + "0"
    elif kind is int:
        return f"{value}.00"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Malformed(f"{what} is not a number")
    try:
        number = Decimal(str(value).strip())  # str(float) is the shortest repr: 7.95, not 7.9500000001
    except InvalidOperation:
        raise Malformed(f"{what} is not a number") from None
    if not number.is_finite():
        raise Malformed(f"{what} is not a finite number")
    if abs(number) >= MAX_PRICE:
        raise Malformed(f"{what} is out of range")
    if number.as_tuple().exponent > -2:  # type: ignore[operator]
        number = number.quantize(Decimal("0.01"))
    return format(number, "f")


def optional_int(value: Any, what: str) -> int | None:
    """An integer field; None when null. Integral floats and digit strings are accepted."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Malformed(f"{what} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise Malformed(f"{what} is not an integer")


def optional_str(value: Any, what: str) -> str | None:
    """A text field; None when null. Numbers are accepted as text (types drift between versions)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise Malformed(f"{what} is not text")


def optional_bool(value: Any, what: str, default: bool) -> bool:
    """A boolean field; ``default`` when null. 0/1 are accepted."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Malformed(f"{what} is not true or false")


def optional_date(value: Any, what: str) -> datetime | None:
    """An ISO 8601 date-time (``2018-08-15T14:48:46+00:00``); naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Malformed(f"{what} is not a date")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Malformed(f"{what} is not an ISO 8601 date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{what} is not a list")
    return value


def _in_stock(tracking: str | None, level: int | None) -> bool | None:
    """BigCommerce's stock rule: untracked stock ("none") is always available; tracked stock needs a level."""
    if (tracking or "none") == "none":
        return None
    return (level or 0) > 0


def parse_variant(raw: Any, tracking: str | None = None) -> Variant:
    """One entry of ``variants[]``."""
    if not isinstance(raw, dict):
        raise Malformed("is not an object")
    options = []
    for ov in _list(raw.get("option_values"), "option_values"):
        if not isinstance(ov, dict):
            raise Malformed("option_values has an entry that is not an object")
        options.append(
            {
                "option": optional_str(ov.get("option_display_name"), "option_display_name") or "",
                "value": optional_str(ov.get("label"), "option label") or "",
            }
        )
    sale = decimal_str(raw.get("sale_price"), "sale_price")
    level = optional_int(raw.get("inventory_level"), "inventory_level")
    return Variant(
        id=record_id(raw.get("id")),
        sku=optional_str(raw.get("sku"), "sku") or None,
        price=decimal_str(raw.get("price"), "price"),  # null: inherits the product's price
        sale_price=None if sale is not None and Decimal(sale) == 0 else sale,
        inventory_level=level,
        in_stock=_in_stock(tracking, level) if tracking == "variant" else None,
        purchasable=not optional_bool(raw.get("purchasing_disabled"), "purchasing_disabled", False),
        option_values=options,
        image_url=optional_str(raw.get("image_url"), "image_url") or None,
    )


_IMAGE_SIZES = tuple((size, f"url_{size}") for size in ("zoom", "standard", "thumbnail", "tiny"))


def parse_image(raw: Any) -> Image:
    """One entry of ``images[]``."""
    if not isinstance(raw, dict):
        raise Malformed("is not an object")
    sizes = {}
    for size, key in _IMAGE_SIZES:
        value = raw.get(key)
        # text is the usual case: tested inline (a product has a few images of four sizes each)
        url = value if type(value) is str else optional_str(value, key)
        if url:
            sizes[size] = url
    url = sizes.get("standard") or sizes.get("zoom") or sizes.get("thumbnail") or sizes.get("tiny")
    if not url:
        raise Malformed("has no URL")
    return Image(
        id=record_id(raw.get("id")),
        url=url,
        thumbnail_url=sizes.get("thumbnail"),
        alt=optional_str(raw.get("description"), "description") or None,
        sizes=sizes,
        is_thumbnail=optional_bool(raw.get("is_thumbnail"), "is_thumbnail", False),
        sort_order=optional_int(raw.get("sort_order"), "sort_order") or 0,
    )


def parse_custom_field(raw: Any) -> CustomField:
    """One entry of ``custom_fields[]``; a blank value is fine, a missing name is not."""
    if not isinstance(raw, dict):
        raise Malformed("is not an object")
    name = optional_str(raw.get("name"), "name")
    if not name:
        raise Malformed("name is empty")
    value = optional_str(raw.get("value"), "value") or ""
    cf_id = raw.get("id")
    return CustomField(name=name, value=value, id=record_id(cf_id) if cf_id is not None else None)


_SUBRESOURCES = (("variants", "variant"), ("images", "image"))


def parse_product(raw: Any) -> tuple[Product | None, list[RecordError]]:
    """Parse one product; return it (or None) and the errors found in it."""
    if not isinstance(raw, dict):
        return None, [RecordError(None, "the record is not a JSON object")]
    try:
        pid = record_id(raw.get("id"))
    except Malformed as exc:
        return None, [RecordError(None, str(exc))]
    errors: list[RecordError] = []
    try:
        name = raw.get("name")
        if name is None:
            raise Malformed("name is null")
        if not isinstance(name, str):
            raise Malformed("name is not text")
        if not name.strip():
            raise Malformed("name is empty")
        custom_url = raw.get("custom_url")
        if custom_url is not None and not isinstance(custom_url, dict):
            raise Malformed("custom_url is not an object")
        brand = optional_int(raw.get("brand_id"), "brand_id")
        sale = decimal_str(raw.get("sale_price"), "sale_price")
        tracking = optional_str(raw.get("inventory_tracking"), "inventory_tracking")
        level = optional_int(raw.get("inventory_level"), "inventory_level")
        product = Product(
            id=pid,
            # BigCommerce sends names with HTML entities as text ("Tea &amp; Coffee"): shoppers read "&".
            name=html.unescape(name),
            sku=optional_str(raw.get("sku"), "sku") or None,
            description=optional_str(raw.get("description"), "description"),
            price=decimal_str(raw.get("price"), "price"),
            sale_price=None if sale is not None and Decimal(sale) == 0 else sale,  # 0 means "no sale"
            is_visible=optional_bool(raw.get("is_visible"), "is_visible", True),
            purchasable=(optional_str(raw.get("availability"), "availability") or "available") != "disabled",
            in_stock=_in_stock(tracking, level),
            inventory_level=level,
            url_path=optional_str((custom_url or {}).get("url"), "custom_url.url") or None,
            brand_ids=[str(brand)] if brand else [],  # 0 means "no brand"
            category_ids=[record_id(c, "a category id") for c in _list(raw.get("categories"), "categories")],
            date_created=optional_date(raw.get("date_created"), "date_created"),
            date_modified=optional_date(raw.get("date_modified"), "date_modified"),
            raw=raw,
        )
        for key, noun in _SUBRESOURCES:
            items = _list(raw.get(key), key)
            target = getattr(product, key)
            for n, item in enumerate(items, 1):
                try:
                    target.append(parse_variant(item, tracking) if key == "variants" else parse_image(item))
                except Malformed as exc:
                    errors.append(RecordError(pid, f"{noun} #{n} skipped: {exc}"))
        for n, item in enumerate(_list(raw.get("custom_fields"), "custom_fields"), 1):
            try:
                product.custom_fields.append(parse_custom_field(item))
            except Malformed as exc:
                errors.append(RecordError(pid, f"custom field #{n} skipped: {exc}"))
    except Malformed as exc:
        return None, [RecordError(pid, explain(str(exc)))]
    return product, errors


def explain(detail: str) -> str:
    """A skipped product's reason in the merchant's words, with where to fix it (the technical detail kept)."""
    if detail.startswith("name is"):
        return "Has no name in BigCommerce — give it a name in the control panel, then sync again."
    return (
        f"BigCommerce sent it in a form the hub cannot read ({detail}) — open it in the control panel and "
        "save it again, then sync again."
    )
