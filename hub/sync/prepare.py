"""A page of products made ready to store, with no database: checked, serialized, hashed, its rows built.

Everything a sync does to a product before the database sees it happens here, so that it can happen in
another process than the one that writes (``hub.sync.fetch_process``): ``prepare_page`` turns a plugin's
records into :class:`Ready` items (plain values, bytes and tuples: cheap to send between processes), and
``hub.sync.ingest`` only looks up what is stored, binds and writes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import orjson

from hub.contract import Product as ProductRecord
from hub.contract import RecordError
from hub.sync import search_index
from hub.sync.text import UNICODE_REPAIRED, unicode_repaired
from hub.sync.validate import check_product

#: characters of a description indexed (the triggers' ``substr``/``left`` limit, migration 0004)
DESCRIPTION_CHARS = 4000


class Encoded(NamedTuple):
    """A product's hash and the JSON of its payload and children, each serialized once (a tuple: it crosses
    from the fetch process to the worker, and tuples are the cheapest to unpickle)."""

    digest: str
    raw: bytes
    variants: bytes
    images: bytes
    custom_fields: bytes

    @classmethod
    def of(cls, product: ProductRecord, head: tuple, raw: bytes | None = None) -> Encoded:
        """Serialize the payload (unless ``raw`` holds it already: the check serializes it) and the
        children, and hash exactly what is stored: the JSON of ``head`` (the product's column values),
        then the payload's and children's bytes as they are stored. Each part is one JSON value, so the
        parts cannot run into each other; the product id is the row's key, not hashed.

        Hashing the stored bytes, not a serialization of the whole record (which serialized the payload
        and children a second time), cost ~20-30 µs less per product. No key sorting (it tripled the cost
        of serializing a payload): a platform's reordering could only cause a needless rewrite. SHA-1
        (hardware-accelerated, ~4x faster than BLAKE2b here) only detects change; no secret depends on it.
        """
        if raw is None:
            raw = orjson.dumps(product.raw)
        variants = orjson.dumps(product.variants)
        images = orjson.dumps(product.images)
        fields = orjson.dumps(product.custom_fields)
        digest = hashlib.sha1(orjson.dumps(head), usedforsecurity=False)
        for part in (raw, variants, images, fields):
            digest.update(part)
        return cls(digest.hexdigest(), raw, variants, images, fields)


def in_stock(product: ProductRecord) -> bool:
    """The search index's "in stock": purchasable, and not known to be out of stock (unknown counts as in)."""
    return bool(product.purchasable) and product.in_stock is not False


def attribute_terms(product: ProductRecord) -> str:
    """The attribute index's text: variant SKUs, option values, custom field values, tags (migration 0010).

    Missing values are left out and the four groups joined by one space, then trimmed, exactly as the
    SQL (``group_concat``/``string_agg`` skip NULL) does, because search reads these terms back.
    """
    skus = " ".join(v.sku for v in product.variants if v.sku is not None)
    options = " ".join(
        value for v in product.variants for o in v.option_values if (value := o.get("value")) is not None
    )
    fields = " ".join(f.value for f in product.custom_fields if f.value is not None)
    tags = " ".join(product.tags or ())
    return f"{skus} {options} {fields} {tags}".strip(" ")


class Ready(NamedTuple):
    """One checked product as ingest writes it: its column values, payload JSON, variant SKUs, search text
    (a tuple, like :class:`Encoded`)."""

    id: str
    #: the values of ``hub.sync.ingest.COLUMNS`` up to the content hash (ingest adds the run's own)
    columns: tuple
    encoded: Encoded
    skus: list[tuple[int, str]]  #: (position, SKU) of the variants that have one
    visible: bool
    stocked: bool  #: :func:`in_stock`
    brand_id: str | None  #: the first brand: the one stored, indexed and shown
    category_ids: list[str]
    name: str
    sku: str  #: "" when none (as the index stores it)
    description: str  #: the indexed part of the description
    terms: str  #: :func:`attribute_terms`
    #: name, description and terms as PostgreSQL's index reads them (``search_index.folded``), when
    #: prepared with ``fold=True``; else None (folded when written, if the database needs it)
    folded: tuple[str, str, str] | None = None


def _thumbnail(product: ProductRecord) -> str | None:
    images = sorted(product.images, key=lambda i: (not i.is_thumbnail, i.sort_order))
    return (images[0].thumbnail_url or images[0].url) if images else None


def ready(product: ProductRecord, raw: bytes | None = None, *, fold: bool = False) -> Ready:
    """``product`` (already checked) as ingest writes it; ``raw``: its payload's JSON, when serialized;
    ``fold``: with its search text folded, for a database whose index wants it
    (``hub.sync.search_index.folds_text``)."""
    brand = product.brand_ids[0] if product.brand_ids else None
    head = (
        product.name, product.sku, product.description, product.price, product.sale_price,
        product.is_visible, product.purchasable, product.in_stock, product.inventory_level, product.url,
        product.url_path, product.handle, brand, product.brand_ids, product.category_ids,
        product.tags, product.date_created, product.date_modified, len(product.variants),
        _thumbnail(product),
    )  # fmt: skip
    encoded = Encoded.of(product, head, raw)
    description = (product.description or "")[:DESCRIPTION_CHARS]
    terms = attribute_terms(product)
    return Ready(
        id=product.id,
        columns=(*head, encoded.digest),
        encoded=encoded,
        skus=[(n, v.sku) for n, v in enumerate(product.variants) if v.sku is not None],
        visible=bool(product.is_visible),
        stocked=in_stock(product),
        brand_id=brand,
        category_ids=product.category_ids,
        name=product.name,
        sku=product.sku or "",
        description=description,
        terms=terms,
        folded=search_index.folded(product.name, description, terms) if fold else None,
    )


@dataclass(slots=True)
class PreparedPage:
    """A page's products checked and made ready, and what the check refused or repaired."""

    ready: list[Ready]
    errors: list[RecordError]


def prepare_page(products: list, *, fold: bool = False) -> PreparedPage:
    """Check a page's products (``hub.sync.validate``); serialize, hash and build the rows of the good ones
    (their search text folded with ``fold``: ``hub.sync.search_index.folds_text``)."""
    good: list[Ready] = []
    errors: list[RecordError] = []
    for product in products:
        cleaned, problems, raw = check_product(product)
        errors.extend(problems)
        if cleaned is None or raw is None:
            continue
        try:
            good.append(ready(cleaned, raw, fold=fold))
        except orjson.JSONEncodeError:  # text UTF-8 cannot encode: repaired, and said so
            repaired = unicode_repaired(cleaned)
            try:
                good.append(ready(repaired, raw, fold=fold))
            except orjson.JSONEncodeError:  # something else the check did not foresee: this product only
                errors.append(RecordError(cleaned.id, "a value cannot be stored; the product was not stored"))
                continue
            errors.append(RecordError(repaired.id, UNICODE_REPAIRED))
    return PreparedPage(good, errors)
