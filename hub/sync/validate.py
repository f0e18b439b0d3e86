"""Every value a platform sends is untrusted: records are checked and repaired before they reach the database.

A plugin's parser already rejects what its platform documents as impossible; this is the hub's own net
under *every* plugin, so that one bad record fails that record, never the run (a NUL byte in a name used
to fail every sync of a store on PostgreSQL). Repairs (NUL bytes removed, a naive time read as UTC) are
reported so the merchant sees them; anything that cannot be stored faithfully is rejected with a reason.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from hub.contract import Brand, Category, CustomField, Image, Product, RecordError, Variant
from hub.sync.text import NUL, each_text, valid_unicode, without_nul

#: String(255) columns; longer values are rejected, never silently cut
MAX_ID = 255
#: prices are stored as text of at most 40 characters; anything this large is a data error
MAX_PRICE = Decimal("1e15")
MAX_PRICE_CHARS = 40
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Invalid(ValueError):
    """A value that cannot be stored; the message says which and why, in the merchant's words."""


class _Repairs:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def text(self, value: Any, what: str, *, limit: int | None = None, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise Invalid(f"{what} is missing")
            return None
        if not isinstance(value, str):
            raise Invalid(f"{what} is not text")
        if NUL in value:
            value = without_nul(value)
            self.notes.append(f"NUL characters removed from {what}")
        if (valid := valid_unicode(value)) is not value:
            value = valid
            self.notes.append(f"text that was not valid Unicode replaced in {what}")
        if required and not value.strip():
            raise Invalid(f"{what} is empty")
        if limit is not None and len(value) > limit:
            raise Invalid(f"{what} is longer than {limit} characters")
        return value

    def price(self, value: Any, what: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise Invalid(f"{what} is not a decimal string")
        if len(value) > MAX_PRICE_CHARS:  # the column's width: PostgreSQL would refuse it, SQLite keep it
            raise Invalid(f"{what} is longer than {MAX_PRICE_CHARS} characters")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise Invalid(f"{what} is not a number") from None
        if not number.is_finite() or abs(number) >= MAX_PRICE:
            raise Invalid(f"{what} ({value[:20]}) is not a plausible price")
        return value

    def integer(self, value: Any, what: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{what} is not an integer")
        if not INT_MIN <= value <= INT_MAX:
            raise Invalid(f"{what} ({value}) is out of range")
        return value

    def moment(self, value: Any, what: str) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise Invalid(f"{what} is not a date")
        if value.tzinfo is None:
            self.notes.append(f"{what} had no time zone and was read as UTC")
            return value.replace(tzinfo=UTC)
        if value.tzinfo is UTC:
            return value
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):  # e.g. 0001-01-01 at +05:00 is a moment before year 1 in UTC
            raise Invalid(f"{what} is out of range") from None

    def ids(self, values: Any, what: str) -> list[str]:
        if values is None:
            return []
        if not isinstance(values, list):
            raise Invalid(f"{what} is not a list")
        if all(type(v) is str and NUL not in v and 0 < len(v) <= MAX_ID and not v.isspace() for v in values):
            return values  # the common case, checked without building a new list
        return [self.text(v, f"an entry of {what}", limit=MAX_ID, required=True) or "" for v in values]

    def flag(self, value: Any, what: str, *, nullable: bool = False) -> bool | None:
        if value is None and nullable:
            return None
        if not isinstance(value, bool):
            raise Invalid(f"{what} is not true or false")
        return value


def _raw(value: Any, fix: _Repairs) -> tuple[dict[str, Any], bytes]:
    """The record (NUL removed, lone surrogates replaced) and its JSON, which ingest hashes and stores.

    Keys keep the platform's order: sorting them tripled the cost of this serialization, and a platform
    that reordered keys would only cost a rewrite of a product that did not change, never a missed change.
    """
    if not isinstance(value, dict):
        raise Invalid("the platform's record is not an object")
    try:
        encoded = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        try:  # text that is not valid Unicode is repaired; values that are not JSON are not
            value = each_text(value, valid_unicode)
            encoded = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            raise Invalid("the platform's record holds values that are not JSON") from None
        fix.notes.append("text that was not valid Unicode replaced in the stored record")
    if b"\\u0000" in encoded:  # cheap test first: most records have none
        fix.notes.append("NUL characters removed from the stored record")
        value = each_text(value, without_nul)
        encoded = orjson.dumps(value)
    return value, encoded


def _same_or_replaced(item: Any, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """``item`` itself when every checked value is the one it holds (the common case), else a copy."""
    if tuple(getattr(item, n) for n in names) == values:  # equal checked values: nothing repaired
        return item
    return dataclasses.replace(item, **dict(zip(names, values, strict=True)))


def _plain_strings(mapping: dict) -> bool:
    """True when every key and value is text and no value holds NUL: nothing to convert or repair."""
    # A loop, not all() over a generator: ~0.6 µs less a call, ~9 calls a product (options, image sizes)
    for k, x in mapping.items():  # noqa: SIM110 (see above)
        if type(k) is not str or type(x) is not str or NUL in x:
            return False
    return True


def _plain_options(options: list) -> bool:
    """True when every option is a dict of :func:`_plain_strings`."""
    for o in options:  # noqa: SIM110 (a loop, for speed, as above)
        if type(o) is not dict or not _plain_strings(o):
            return False
    return True


_VARIANT_FIELDS = (
    "id", "sku", "price", "sale_price", "inventory_level", "in_stock", "purchasable", "option_values", "image_url",
)  # fmt: skip


def _variant(v: Any, fix: _Repairs) -> Variant:
    if not isinstance(v, Variant):
        raise Invalid("is not a variant")
    options = v.option_values if isinstance(v.option_values, list) else None
    if options is None or not all(isinstance(o, dict) for o in options):
        raise Invalid("its options are not a list of name/value pairs")
    if not all(_plain_strings(o) for o in options):
        options = [{str(k): fix.text(str(x), "an option value") or "" for k, x in o.items()} for o in options]
    checked = (
        fix.text(v.id, "variant id", limit=MAX_ID, required=True),
        fix.text(v.sku, "variant SKU", limit=MAX_ID),
        fix.price(v.price, "variant price"),
        fix.price(v.sale_price, "variant sale price"),
        fix.integer(v.inventory_level, "variant stock level"),
        fix.flag(v.in_stock, "variant in_stock", nullable=True),
        fix.flag(v.purchasable, "variant purchasable"),
        options,
        fix.text(v.image_url, "variant image URL"),
    )
    return _same_or_replaced(v, _VARIANT_FIELDS, checked)


_IMAGE_FIELDS = ("id", "url", "thumbnail_url", "alt", "sizes", "sort_order")


def _image(i: Any, fix: _Repairs) -> Image:
    if not isinstance(i, Image):
        raise Invalid("is not an image")
    url = fix.text(i.url, "image URL", required=True) or ""
    if not url.startswith(("https://", "http://")):
        raise Invalid("its URL is not an http(s) address")
    sizes = i.sizes if isinstance(i.sizes, dict) else {}
    if not _plain_strings(sizes):
        sizes = {str(k): fix.text(str(u), "an image size URL") or "" for k, u in sizes.items()}
    checked = (
        fix.text(i.id, "image id", limit=MAX_ID, required=True),
        url,
        fix.text(i.thumbnail_url, "thumbnail URL"),
        fix.text(i.alt, "image alt text"),
        sizes,
        fix.integer(i.sort_order, "image sort order") or 0,
    )
    return _same_or_replaced(i, _IMAGE_FIELDS, checked)


_FIELD_FIELDS = ("name", "value", "id")


def _field(f: Any, fix: _Repairs) -> CustomField:
    if not isinstance(f, CustomField):
        raise Invalid("is not a custom field")
    checked = (
        fix.text(f.name, "custom field name", required=True),
        fix.text(f.value, "custom field value") or "",
        fix.text(f.id, "custom field id", limit=MAX_ID),
    )
    return _same_or_replaced(f, _FIELD_FIELDS, checked)


def _price_kept(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not str or len(value) > MAX_PRICE_CHARS:
        return False
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    return number.is_finite() and abs(number) < MAX_PRICE


def _text_kept(value: Any, limit: int | None = None) -> bool:
    return value is None or (
        type(value) is str and NUL not in value and (limit is None or len(value) <= limit)
    )


def _id_kept(value: Any) -> bool:
    return type(value) is str and 0 < len(value) <= MAX_ID and NUL not in value and not value.isspace()


def _int_kept(value: Any) -> bool:
    return value is None or (type(value) is int and INT_MIN <= value <= INT_MAX)


# The common case, decided in one expression per item: True only where the full check (``_variant``,
# ``_image``, ``_field``) would keep the item as it is with nothing to report. Anything else takes the
# full check, which says what is wrong or repairs it; a stricter test here only costs that detour.


def _variant_kept(v: Any) -> bool:
    return (
        type(v) is Variant
        and _id_kept(v.id)
        and _text_kept(v.sku, MAX_ID)
        and _price_kept(v.price)
        and _price_kept(v.sale_price)
        and _int_kept(v.inventory_level)
        and (v.in_stock is None or type(v.in_stock) is bool)
        and type(v.purchasable) is bool
        and type(v.option_values) is list
        and _plain_options(v.option_values)
        and _text_kept(v.image_url)
    )


def _image_kept(i: Any) -> bool:
    return (
        type(i) is Image
        and _id_kept(i.id)
        and type(i.url) is str
        and i.url.startswith(("https://", "http://"))
        and _text_kept(i.url)
        and _text_kept(i.thumbnail_url)
        and _text_kept(i.alt)
        and type(i.sizes) is dict
        and _plain_strings(i.sizes)
        and type(i.sort_order) is int
        and INT_MIN <= i.sort_order <= INT_MAX
    )


def _field_kept(f: Any) -> bool:
    return (
        type(f) is CustomField
        and type(f.name) is str
        and NUL not in f.name
        and not f.name.isspace()
        and f.name != ""
        and type(f.value) is str
        and NUL not in f.value
        and _text_kept(f.id, MAX_ID)
    )


_KEPT = {"variant": _variant_kept, "image": _image_kept, "custom field": _field_kept}


def _children(items: Any, noun: str, check, fix: _Repairs, errors: list[str]) -> list:
    if not isinstance(items, list):
        raise Invalid(f"its {noun}s are not a list")
    if all(map(_KEPT[noun], items)):
        return items  # nothing to skip or repair: the list as it is
    kept = []
    for n, item in enumerate(items, 1):
        try:
            kept.append(check(item, fix))
        except Invalid as exc:
            errors.append(f"{noun} #{n} skipped: {exc}")
    return kept


def clean_product(product: Any) -> tuple[Product | None, list[RecordError]]:
    """Return the product fit to store (or None when it cannot be) and what was wrong or repaired."""
    cleaned, errors, _raw_json = check_product(product)
    return cleaned, errors


def check_product(product: Any) -> tuple[Product | None, list[RecordError], bytes | None]:
    """:func:`clean_product`, plus the cleaned raw payload's JSON, which the check had to
    serialize anyway: ingest hashes and stores those bytes instead of serializing the payload again."""
    pid = getattr(product, "id", None)
    safe_id = pid.replace(NUL, "")[:MAX_ID] if isinstance(pid, str) and pid.strip() else None
    if not isinstance(product, Product):
        return None, [RecordError(None, "the plugin sent something that is not a product")], None
    fix = _Repairs()
    skipped: list[str] = []
    try:
        pid = fix.text(product.id, "the product id", limit=MAX_ID, required=True)
        changes = dict(
            id=pid,
            name=fix.text(product.name, "the name", required=True),
            sku=fix.text(product.sku, "the SKU", limit=MAX_ID),
            description=fix.text(product.description, "the description"),
            price=fix.price(product.price, "the price"),
            sale_price=fix.price(product.sale_price, "the sale price"),
            is_visible=fix.flag(product.is_visible, "is_visible"),
            purchasable=fix.flag(product.purchasable, "purchasable"),
            in_stock=fix.flag(product.in_stock, "in_stock", nullable=True),
            inventory_level=fix.integer(product.inventory_level, "the stock level"),
            url=fix.text(product.url, "the storefront URL"),
            url_path=fix.text(product.url_path, "the storefront path"),
            handle=fix.text(product.handle, "the handle", limit=MAX_ID),
            brand_ids=fix.ids(product.brand_ids, "brand ids"),
            category_ids=fix.ids(product.category_ids, "category ids"),
            tags=fix.ids(product.tags, "tags"),
            date_created=fix.moment(product.date_created, "the creation date"),
            date_modified=fix.moment(product.date_modified, "the modification date"),
            variants=_children(product.variants, "variant", _variant, fix, skipped),
            images=_children(product.images, "image", _image, fix, skipped),
            custom_fields=_children(product.custom_fields, "custom field", _field, fix, skipped),
        )
        changes["raw"], raw_json = _raw(product.raw, fix)  # last, as its problems are reported last
    except Invalid as exc:
        return None, [RecordError(safe_id, f"{exc}; the product was not stored")], None
    if changes["price"] is None:
        prices = [Decimal(v.price) for v in changes["variants"] if v.price is not None]
        changes["price"] = format(min(prices), "f") if prices else None  # priced only on its variants
    # The plugin's own record when the check kept every value (the common case): copying a dataclass of
    # 22 fields cost more than checking them all.
    cleaned = product
    for name, value in changes.items():
        if getattr(product, name) is not value:
            cleaned = dataclasses.replace(product, **changes)
            break
    errors = [RecordError(pid, message) for message in skipped]
    if fix.notes:
        errors.append(RecordError(pid, "Repaired: " + "; ".join(dict.fromkeys(fix.notes)) + "."))
    return cleaned, errors, raw_json


def clean_taxonomy(item: Any) -> Category | Brand | RecordError:
    """A category or brand fit to store, or a RecordError saying why it is not."""
    if isinstance(item, RecordError):
        return item
    if not isinstance(item, Category | Brand):
        return RecordError(None, "the plugin sent a taxonomy item that is not a category or brand")
    fix = _Repairs()
    try:
        changes: dict[str, Any] = {
            "id": fix.text(item.id, "id", limit=MAX_ID, required=True),
            "name": fix.text(item.name, "name") or "",
        }
        if isinstance(item, Category):
            changes["parent_id"] = fix.text(item.parent_id, "parent id", limit=MAX_ID)
            changes["url_path"] = fix.text(item.url_path, "URL path")
            changes["is_visible"] = fix.flag(item.is_visible, "is_visible")
    except Invalid as exc:
        return RecordError(None, f"a {type(item).__name__.lower()} was skipped: {exc}")
    # A few per store: each text is tested for what UTF-8 cannot encode (``hub.sync.text``).
    return dataclasses.replace(item, **each_text(changes, valid_unicode))


def is_repair(error: RecordError) -> bool:
    """True for a note about a repaired product (stored), False for a rejection."""
    return error.message.startswith("Repaired: ")
