"""Deterministic, realistic catalog generation: every value is a pure function of (seed, id).

Only a compact ``Core`` (the fields filters and sorts need) is built for every product up front; the
full product (description, variants, images, custom fields) is generated on demand, so a 100,000-product
store starts in seconds and stays small in memory.

A product is generated straight into its serialized JSON pieces, because a sync asks for every product
once and each cold 250-product page must cost well under 20 ms. So per product there is no
``random.Random`` (seeding one costs more than a whole product should): the draws are one BLAKE2b digest
of ``(seed, id, salt)`` unpacked into sixteen 32-bit integers. Descriptions are slices of a per-seed corpus
of paragraphs (kept as UTF-8 too). The base object, variants, images, custom fields and options are bytes
``%`` templates over JSON fragments escaped once; values from the core go through orjson.
``build_product`` (the dict form, for edits and sub-resource endpoints) parses those pieces, so the dict
and byte forms cannot disagree; a test checks every piece is exactly what orjson would produce.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
import re
import struct
from dataclasses import dataclass

from claudery_bigcommerce.demo_store import words as w
from claudery_bigcommerce.demo_store.formats import dumps, iso_date, loads, num

ANCHOR_EPOCH = 1_761_955_200  # 2025-11-01T00:00:00+00:00: generated dates are before it, edits after
FIRST_CREATED = 1_420_070_400  # 2015-01-01
CDN = "https://cdn11.bigcommerce.com"
IMAGE_SIZES = (("url_zoom", "1280.1280"), ("url_standard", "560.850"), ("url_thumbnail", "330.500"),
               ("url_tiny", "66.100"))  # fmt: skip
MAX_VARIANTS = 999  #: variant ids are ``product_id * 1000 + k``: more would collide with the next product's
CORPUS_PARAGRAPHS = 4096  #: distinct description paragraphs per seed

_U32 = 4294967296  # draws are uniform in [0, 2**32)
_unpack16 = struct.Struct("<16I").unpack
_blake2b = hashlib.blake2b


def draws(seed: int, key: int, salt: int) -> tuple[int, ...]:
    """Return 16 uniform 32-bit integers determined by ``(seed, key, salt)`` (about a microsecond)."""
    return _unpack16(_blake2b(b"%d:%d:%d" % (seed, key, salt)).digest())


def _p(probability: float) -> int:
    """The draw threshold for ``probability``: ``u < _p(x)`` is true with probability x."""
    return int(probability * _U32)


class Core:
    """The per-product fields that filters and sorts use; everything else is derived on demand."""

    __slots__ = (
        "availability", "brand_id", "categories", "date_created", "date_modified", "id", "inventory_level",
        "is_featured", "is_visible", "n_variants", "name", "price", "sale_price", "sku", "total_sold",
        "type",
    )  # fmt: skip

    def __init__(self, id: int, name: str, sku: str, price: float, sale_price: float, is_visible: bool,
                 date_created: int, date_modified: int, brand_id: int, categories: tuple[int, ...] | list[int],
                 inventory_level: int, total_sold: int, n_variants: int, is_featured: bool, availability: str,
                 type: str) -> None:  # fmt: skip
        self.id, self.name, self.sku, self.price, self.sale_price = id, name, sku, price, sale_price
        self.is_visible, self.date_created, self.date_modified = is_visible, date_created, date_modified
        self.brand_id, self.categories, self.inventory_level = brand_id, categories, inventory_level
        self.total_sold, self.n_variants, self.is_featured = total_sold, n_variants, is_featured
        self.availability, self.type = availability, type

    @property
    def calculated_price(self) -> float:
        """Sale price when set, otherwise price (the documented ``calculated_price``)."""
        return self.sale_price if self.sale_price else self.price


class Pieces:
    """A product serialized once: ``base`` lacks its closing brace so includes can be appended.

    ``options`` (asked for only with ``include=options``, 10 products a page) is built on first use from
    the product id and variant count, which edits cannot change.
    """

    __slots__ = ("_options", "_pid_variants", "base", "custom_fields", "images", "n_images", "primary_image",
                 "size", "variants")  # fmt: skip

    def __init__(self, base: bytes, variants: bytes, images: bytes, custom_fields: bytes, options: bytes | None,
                 primary_image: bytes, n_images: int, pid_variants: tuple[int, int] = (0, 0)) -> None:  # fmt: skip
        self.base, self.variants, self.images, self.custom_fields = base, variants, images, custom_fields
        self._options, self.primary_image, self.n_images = options, primary_image, n_images
        self._pid_variants = pid_variants
        #: bytes held, roughly (for the cache's memory budget)
        self.size = len(base) + len(variants) + len(images) + len(custom_fields) + len(primary_image) + 250

    @property
    def options(self) -> bytes:
        """The product's options (variant axes) as JSON."""
        if self._options is None:
            self._options = options_json(*self._pid_variants)
        return self._options


@dataclass(frozen=True)
class Taxonomy:
    """The store's categories and brands, in v3 JSON shape."""

    categories: list[dict]
    brands: list[dict]
    leaf_ids: list[int]
    brand_names: dict[int, str]


def _rng(seed: int, key: int, salt: int = 0) -> random.Random:
    return random.Random((seed * 1_000_003 + key) * 8 + salt)


def product_ids(seed: int, count: int, first: int = 77) -> list[int]:
    """Return ``count`` ascending product ids with gaps (deleted products leave holes in real stores)."""
    rng = _rng(seed, 0, 7)
    ids, current = [], first
    for _ in range(count):
        ids.append(current)
        current += 1 if rng.random() > 0.06 else rng.randint(2, 40)
    return ids


_ENTITY = re.compile(r"&[a-z#0-9]+;")
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Return an ASCII URL slug (entities and non-ASCII dropped)."""
    text = text.lower()
    if "&" in text:
        text = _ENTITY.sub(" ", text)
    return _NON_SLUG.sub("-", text.encode("ascii", "ignore").decode()).strip("-") or "item"


def make_taxonomy(seed: int, products: int, store_hash: str) -> Taxonomy:
    """Build a category tree (departments and sub-categories) and a brand list sized to the catalog."""
    rng = _rng(seed, 0, 3)
    categories: list[dict] = []
    leaf_ids: list[int] = []
    n_roots = min(len(w.DEPARTMENTS), max(3, products // 200))
    n_children = min(len(w.SUBCATEGORIES), max(2, products // 2000))
    cid = 18
    for r, dept in enumerate(w.DEPARTMENTS[:n_roots]):
        root = _category(cid, 0, dept, r, rng, store_hash)
        categories.append(root)
        cid += rng.randint(1, 3)
        for c, sub in enumerate(w.SUBCATEGORIES[:n_children]):
            categories.append(_category(cid, root["id"], sub, c, rng, store_hash, parent_name=dept))
            leaf_ids.append(cid)
            cid += rng.randint(1, 3)
    brands: list[dict] = []
    n_brands = max(5, min(300, products // 100))
    bid = 36
    for i in range(n_brands):
        base = w.BRANDS[i % len(w.BRANDS)]
        name = base if i < len(w.BRANDS) else f"{base} {i // len(w.BRANDS) + 1}"
        brands.append({
            "id": bid, "name": name, "page_title": name if rng.random() < 0.3 else "",
            "meta_keywords": [slug(name)], "meta_description": "", "search_keywords": slug(name).replace("-", " "),
            "image_url": f"{CDN}/s-{store_hash}/product_images/k/{slug(name)}__{bid}.png" if i % 3 else "",
            "custom_url": {"url": f"/brands/{slug(name)}.html", "is_customized": False},
        })  # fmt: skip
        bid += rng.randint(1, 4)
    return Taxonomy(categories, brands, leaf_ids, {b["id"]: b["name"] for b in brands})


def _category(cid: int, parent: int, name: str, order: int, rng: random.Random, store_hash: str,
              parent_name: str = "") -> dict:  # fmt: skip
    path = f"/{slug(parent_name)}/{slug(name)}/" if parent_name else f"/{slug(name)}/"
    return {
        "id": cid, "parent_id": parent, "name": name, "description": f"<p>Our {name} range.</p>",
        "views": rng.randint(0, 5000), "sort_order": order, "page_title": "", "search_keywords": "",
        "meta_keywords": [""], "meta_description": "", "layout_file": "category.html", "is_visible": True,
        "default_product_sort": "use_store_settings",
        "image_url": f"{CDN}/s-{store_hash}/product_images/c/{slug(name)}.jpg" if rng.random() < 0.5 else "",
        "custom_url": {"url": path, "is_customized": False},
    }  # fmt: skip


# -- products ---------------------------------------------------------------------------------------------
_ADJECTIVES, _MATERIALS, _NOUNS, _COLORS = w.ADJECTIVES, w.MATERIALS, w.NOUNS, w.COLORS
_P_EMPTY_SKU, _P_ZERO_PRICE, _P_INT_PRICE, _P_SALE = _p(0.1), _p(0.03), _p(0.93), _p(0.15)
_P_ONE_VARIANT, _P_FEW_VARIANTS, _P_SOME_VARIANTS = _p(0.8), _p(0.975), _p(0.999)
_P_AVAILABLE, _P_DISABLED, _P_HIDDEN, _P_NO_BRAND = _p(0.93), _p(0.97), _p(0.08), _p(0.1)
_P_INVENTORY, _P_FEATURED, _P_DIGITAL = _p(0.7), _p(0.05), _p(0.04)
_CATEGORY_COUNTS = (1, 1, 1, 2, 3)
_SHARED_CATEGORIES: dict[tuple[int, ...], tuple[int, ...]] = {}  # identical tuples shared (memory)


def make_core(seed: int, pid: int, tax: Taxonomy, *, force_variants: int = 0) -> Core:
    """Generate the filterable fields of product ``pid``."""
    a = draws(seed, pid, 0)
    b = draws(seed, pid, 4)
    noun_i = a[0] % len(_NOUNS)
    name = (f"{_ADJECTIVES[a[1] % len(_ADJECTIVES)]} {_MATERIALS[a[2] % len(_MATERIALS)]} {_NOUNS[noun_i]}"
            f" {_COLORS[a[3] % len(_COLORS)]} No. {pid}")  # fmt: skip
    sku = "" if a[4] < _P_EMPTY_SKU else f"{w.SKU_CODES[noun_i % len(w.SKU_CODES)]}-{pid:05d}"
    r = a[5]
    price = (0.0 if r < _P_ZERO_PRICE else round(2 + 398 * a[6] / _U32, 2) if r < _P_INT_PRICE
             else float(5 + a[6] % 296))  # fmt: skip
    sale = round(price * (0.5 + 0.45 * a[7] / _U32), 2) if price and a[8] < _P_SALE else 0.0
    created = FIRST_CREATED + a[9] % (ANCHOR_EPOCH - 86400 - FIRST_CREATED)
    r, u = a[10], a[11]
    n_var = (1 if r < _P_ONE_VARIANT else 2 + u % 11 if r < _P_FEW_VARIANTS else 13 + u % 48
             if r < _P_SOME_VARIANTS else 200 + u % 401)  # fmt: skip
    r = a[12]
    leaves = tax.leaf_ids
    picked: list[int] = []
    for u in b[3 : 3 + _CATEGORY_COUNTS[b[2] % 5]]:
        leaf = leaves[u % len(leaves)]
        if leaf not in picked:
            picked.append(leaf)
    categories = tuple(sorted(picked))
    return Core(
        id=pid, name=name, sku=sku, price=price, sale_price=sale, is_visible=a[13] >= _P_HIDDEN,
        date_created=created, date_modified=created + a[14] % (ANCHOR_EPOCH - created),
        brand_id=0 if b[0] < _P_NO_BRAND else tax.brands[b[1] % len(tax.brands)]["id"],
        categories=_SHARED_CATEGORIES.setdefault(categories, categories),
        inventory_level=b[6] % 501 if b[7] < _P_INVENTORY else 0, total_sold=b[8] % 2001,
        n_variants=min(MAX_VARIANTS, force_variants or n_var), is_featured=b[9] < _P_FEATURED,
        availability="available" if r < _P_AVAILABLE else "disabled" if r < _P_DISABLED else "preorder",
        type="digital" if b[10] < _P_DIGITAL else "physical",
    )  # fmt: skip


@functools.lru_cache(maxsize=8)
def _corpus(seed: int) -> tuple[str, list[int], bytes, list[int]]:
    """Return the seed's description paragraphs: (text, start offsets, UTF-8 text, byte start offsets)."""
    rng = random.Random(seed * 1_000_003 + 11)
    parts = []
    for i in range(CORPUS_PARAGRAPHS):
        body = " ".join(rng.choice(w.SENTENCES) for _ in range(rng.randint(1, 4)))
        parts.append(
            f"<p>{body}</p>" if i % 5 != 3 else f"<ul><li>{body}</li><li><em>{w.SIZES[i % 10]}</em></li></ul>"
        )
    text, raw = "".join(parts), "".join(parts).encode()
    if dumps(text) != b'"' + raw + b'"':  # a slice of raw must be its own JSON string body
        raise ValueError("description sentences must not need JSON escaping")
    starts = list(itertools.accumulate(map(len, parts), initial=0))
    return text, starts, raw, list(itertools.accumulate((len(p.encode()) for p in parts), initial=0))


_P_SHORT, _P_MEDIUM = _p(0.6), _p(0.98)


def _description_span(d: tuple[int, ...]) -> tuple[int, int]:
    """Which corpus paragraphs (first, end) a product's description is: 60 % one, 38 % 2-6, 2 % 80-250."""
    r, u = d[15], d[14] >> 8
    paragraphs = 1 if r < _P_SHORT else 2 + u % 5 if r < _P_MEDIUM else 80 + u % 171
    first = (d[13] >> 14) % (CORPUS_PARAGRAPHS + 1 - paragraphs)
    return first, first + paragraphs


def description(seed: int, pid: int) -> str:
    """Return the HTML description of a product: usually short, 2 % tens of kilobytes."""
    text, starts, _, _ = _corpus(seed)
    first, end = _description_span(draws(seed, pid, 2))
    return text[starts[first] : starts[end]]


# JSON fragments escaped once (as UTF-8 bytes: the pieces are bytes, so nothing is encoded per product).
# Everything a template interpolates is one of these, a number, an ASCII slug, or passed through orjson,
# so the templates produce exactly what orjson would (a test checks ``dumps(loads(piece)) == piece``).
_AXES = (("Size", w.SIZES), ("Color", w.COLORS), ("Finish", w.FINISHES))
_AXES_J = tuple((dumps(label), tuple(dumps(v) for v in values)) for label, values in _AXES)
_FIELD_NAMES_J = tuple(dumps(v) for v in w.FIELD_NAMES)
_FIELD_VALUES_J = tuple(dumps(v) for v in w.FIELD_VALUES)
_CUSTOM_FIELD = b'{"id":%d,"name":%s,"value":%s}'
_PRICES = b'"price":%s,"calculated_price":%s,"sale_price":%s,"retail_price":%s,"map_price":null,"weight":%s'
_P_NO_IMAGES, _P_FREE_SHIPPING, _P_NO_UPC, _P_CUSTOM_URL = _p(0.08), _p(0.1), _p(0.7), _p(0.1)


@functools.lru_cache(maxsize=64)
def _image_root(store_hash: str, image_base: str = CDN) -> str:
    """The image URL root, JSON-escaped and ``%``-escaped (it goes through two ``%`` passes)."""
    return dumps(f"{image_base}/s-{store_hash}/products")[1:-1].replace(b"%", b"%%")


# The base product (no closing brace). Slots: id, name, type, sku, description (JSON string body), weight,
# width, depth, height, price, cost_price, retail_price, sale_price, calculated_price, categories, brand_id,
# inventory_level, inventory_warning_level, inventory_tracking, reviews_rating_sum, reviews_count,
# total_sold, is_free_shipping, is_visible, is_featured, upc, search_keywords, availability, date_created,
# date_modified, view_count, preorder fields, custom_url (slug, is_customized), base_variant_id.
_BASE = (
    b'{"id":%d,"name":%s,"type":%s,"sku":%s,"description":"%s","weight":%s,"width":%d,"depth":%d,"height":%d,'
    b'"price":%s,"cost_price":%s,"retail_price":%s,"sale_price":%s,"map_price":0,"tax_class_id":0,'
    b'"product_tax_code":"","calculated_price":%s,"categories":%s,"brand_id":%s,"option_set_id":null,'
    b'"option_set_display":"right","inventory_level":%s,"inventory_warning_level":%d,"inventory_tracking":"%s",'
    b'"reviews_rating_sum":%d,"reviews_count":%d,"total_sold":%s,"fixed_cost_shipping_price":0,'
    b'"is_free_shipping":%s,"is_visible":%s,"is_featured":%s,"related_products":[-1],"warranty":"",'
    b'"bin_picking_number":"","layout_file":"product.html","upc":"%s","mpn":"","gtin":"","search_keywords":"%s",'
    b'"availability":%s,"availability_description":"","gift_wrapping_options_type":"any",'
    b'"gift_wrapping_options_list":[],"sort_order":0,"condition":"New","is_condition_shown":false,'
    b'"order_quantity_minimum":0,"order_quantity_maximum":0,"page_title":"","meta_keywords":[],'
    b'"meta_description":"","date_created":"%s","date_modified":"%s","view_count":%d,%s,"is_preorder_only":false,'
    b'"is_price_hidden":false,"price_hidden_label":"","custom_url":{"url":"/%s/","is_customized":%s},'
    b'"base_variant_id":%s,"open_graph_type":"product","open_graph_title":"","open_graph_description":"",'
    b'"open_graph_use_meta_description":true,"open_graph_use_product_name":true,"open_graph_use_image":true'
)
_PREORDER = (
    b'"preorder_release_date":"%s","preorder_message":"Ships next month"'
    % iso_date(ANCHOR_EPOCH + 30 * 86400).encode()
)
_NOT_PREORDER = b'"preorder_release_date":null,"preorder_message":""'
_TRUE_FALSE = (b"false", b"true")
_TRACKING = (b"none", b"product")


def product_pieces(seed: int, core: Core, store_hash: str, image_base: str = CDN) -> Pieces:
    """Generate product ``core.id`` straight to its serialized pieces (base, variants, images, ...).

    Image URLs start with ``image_base`` (BigCommerce's CDN; a running demo store serves its own)."""
    pid = core.id
    d = draws(seed, pid, 2)
    weight = round(0.1 + 11.9 * d[0] / _U32, 2) if core.type == "physical" else 0
    u = d[1]
    width, depth, height = u % 61, (u >> 8) % 61, (u >> 16) % 61
    price = core.price
    # Every number and flag from one orjson call, split; an edit that stored something else (a string
    # with a comma) makes the split come out wrong, and then each value is serialized on its own.
    # Integral floats lose their ".0" (``num``: BigCommerce sends ``"price": 10``).
    values = (price, core.calculated_price, core.sale_price, round(price * 1.2, 2), round(price * 0.4, 2), weight,
              core.brand_id, core.inventory_level, core.total_sold, core.is_visible, core.is_featured)  # fmt: skip
    raw = dumps(values)
    nums = raw[1:-1].replace(b".0,", b",").split(b",")
    if len(nums) != len(values) or b'"' in raw:
        nums = [dumps(num(v)) for v in values]
    n_variants = core.n_variants
    sku = core.sku
    sku_j = dumps(sku)
    variants = _variants(core, nums, sku_j, width, height, depth)
    name_slug = slug(core.name).encode()
    images, primary, n_images = _images(core, _image_root(store_hash, image_base), name_slug[:40], d[2])
    n_fields = (0, 0, 1, 2, 3)[d[3] % 5]
    fields = (b"[" + b",".join([_CUSTOM_FIELD % (pid * 10 + k, _FIELD_NAMES_J[(pid + k) % len(_FIELD_NAMES_J)],
                                                 _FIELD_VALUES_J[d[4 + k] % len(_FIELD_VALUES_J)])
                                for k in range(n_fields)]) + b"]" if n_fields else b"[]")  # fmt: skip
    _, _, raw, starts = _corpus(seed)
    first, end = _description_span(d)
    u = d[7]
    base = _BASE % (
        pid, dumps(core.name), dumps(core.type), sku_j, raw[starts[first] : starts[end]], nums[5], width, depth,
        height, nums[0], nums[4], nums[3], nums[2], nums[1], dumps(core.categories), nums[6], nums[7],
        (0, 0, 5, 10)[u % 4], b"variant" if n_variants > 1 else _TRACKING[(u >> 2) & 1], d[8] % 51,
        (d[8] >> 16) % 13, nums[8], _TRUE_FALSE[d[9] < _P_FREE_SHIPPING], nums[9], nums[10],
        b"" if d[10] < _P_NO_UPC else b"%d" % (10**11 + (d[11] << 32 | d[12]) % (9 * 10**11)),
        b", ".join(name_slug.split(b"-", 3)[:3]), dumps(core.availability), iso_date(core.date_created).encode(),
        iso_date(core.date_modified).encode(), d[13] % 9001,
        _PREORDER if core.availability == "preorder" else _NOT_PREORDER, name_slug,
        _TRUE_FALSE[d[14] < _P_CUSTOM_URL], b"%d" % (pid * 1000) if n_variants <= 1 else b"null",
    )  # fmt: skip
    return Pieces(base, variants, images, fields, None, primary, n_images, (pid, n_variants))


# A variant is assembled from byte chunks: a head (id, product_id, sku, sku_id), its prices block (which
# carries the product's constant fields up to ``purchasing_disabled``), the rest up to ``inventory_level``
# (two per product: purchasing disabled or not), the inventory level's tail (a module-level table) and the
# option values. One small ``%`` and a list extend per variant: 600 variants must not cost 600 products.
_VARIANT_HEAD = b'{"id":%d,"product_id":%d,"sku":%s,"sku_id":%s,'
_VARIANT_BLOCK = (_PRICES + b',"width":%d,"height":%d,"depth":%d,"calculated_weight":%s,"is_free_shipping":false,'
                  b'"fixed_cost_shipping_price":0,"purchasing_disabled":')  # fmt: skip
_VARIANT_MIDDLE = (b'%s,"purchasing_disabled_message":"","image_url":"","cost_price":%s,"upc":"","mpn":"","gtin":"",'
                   b'"inventory_level":')  # fmt: skip
_INVENTORY_TAILS = tuple(b'%d,"inventory_warning_level":0,"bin_picking_number":"","option_values":[' % i
                         for i in range(41))  # fmt: skip
# A variant's option value and an option's value, with %d slots for the ids (value id, option id).
_OPTION_VALUES = tuple(
    tuple(b'{"id":%%d,"label":%s,"option_id":%%d,"option_display_name":%s}' % (v, label) for v in values)
    for label, values in _AXES_J
)
_LISTED_VALUES = tuple(
    tuple(b'{"id":%%d,"label":%s,"sort_order":%d,"value_data":null,"is_default":false}' % (v, j)
          for j, v in enumerate(values))
    for _, values in _AXES_J
)  # fmt: skip


def _axes(n: int) -> int:
    """How many option axes (Size, Color, Finish) a product with ``n`` variants has."""
    return 0 if n <= 1 else 1 if n <= len(w.SIZES) else 2 if n <= len(w.SIZES) * len(w.COLORS) else 3


def options_json(pid: int, n_variants: int) -> bytes:
    """Return the options of a product (its variant axes with every value) as JSON."""
    out = []
    value_id = pid * 100
    for k in range(_axes(n_variants)):
        label, values = _AXES_J[k]
        listed = b",".join([t % (value_id + j) for j, t in enumerate(_LISTED_VALUES[k])])
        value_id += len(values)
        out.append(b'{"id":%d,"product_id":%d,"display_name":%s,"type":"rectangles","config":[],"sort_order":%d,'
                   b'"option_values":[%s]}' % (pid * 10 + k, pid, label, k, listed))  # fmt: skip
    return b"[" + b",".join(out) + b"]"


def _variants(core: Core, nums: list[bytes], sku_j: bytes, width: int, height: int, depth: int) -> bytes:
    """Return the variants as JSON. Per-variant values are arithmetic on (id, k), not draws.

    ``nums`` starts with price, calculated_price, sale_price, retail_price, cost_price, weight as JSON.
    """
    pid, n = core.id, core.n_variants
    price, calc, sale, retail, cost, weight = nums[:6]
    on_sale = bool(core.sale_price)
    sku = core.sku
    first_id = pid * 1000
    if n <= 1:
        return b"".join((
            b"[", _VARIANT_HEAD % (first_id, pid, sku_j, b"null"),
            _VARIANT_BLOCK % (price, calc if on_sale else price, sale, retail, weight, width, height, depth, weight),
            _VARIANT_MIDDLE % (b"true" if pid % 50 == 0 else b"false", cost),
            _INVENTORY_TAILS[pid * 31 % 41], b"]}]",
        ))  # fmt: skip
    base_price = core.price
    blocks = [
        _VARIANT_BLOCK % (tier, calc if on_sale else tier, sale, retail, weight, width, height, depth, weight)
        for tier in (
            price,
            *dumps([num(round(base_price * (1 + 0.05 * t), 2)) for t in range(1, 5)])[1:-1].split(b","),
        )
    ]
    inherited = _VARIANT_BLOCK % (b"null", calc, b"null", b"null", b"null", width, height, depth, weight)
    middles = (_VARIANT_MIDDLE % (b"false", cost), _VARIANT_MIDDLE % (b"true", cost))
    # The option values of each axis that the first n combinations use (the last axis varies fastest).
    axes = _axes(n)
    value_id, option_values = pid * 100, []
    for k in range(axes):
        inner = 1
        for later in range(k + 1, axes):
            inner *= len(_AXES_J[later][1])
        used = min(len(_OPTION_VALUES[k]), -(-n // inner))
        option_values.append(
            [t % (value_id + j, pid * 10 + k) for j, t in enumerate(_OPTION_VALUES[k][:used])]
        )
        value_id += len(_OPTION_VALUES[k])
    stem = sku_j[:-1] if sku and type(sku) is str else b""
    head = b',{"id":%d,"product_id":' + b"%d" % pid + b',"sku":%s,"sku_id":%d,'
    tails = _INVENTORY_TAILS
    parts = [b"["]
    inventory, disabled = pid * 31, pid
    for k, combo in enumerate(itertools.islice(itertools.product(*option_values), n)):
        vid = first_id + k
        parts += (
            head % (vid, (stem + b'-%d"' % k if k and stem else sku_j) if sku else b'""', vid),
            inherited if (pid * 13 + k) % 10 < 3 else blocks[k % 5],
            middles[(disabled + 7 * k) % 50 == 0], tails[(inventory + k * 17) % 41], b",".join(combo), b"]}",
        )  # fmt: skip
    parts[1] = parts[1][1:]  # no comma before the first variant
    parts.append(b"]")
    return b"".join(parts)


# An image: the per-product values first (root, id, slug, created, date), then per image its id and k.
_IMAGE_P = (
    b'{"id":%%d,"product_id":%d,"is_thumbnail":%%s,"sort_order":%%d,"description":"","image_file":"%s/%03d/%s__%%05d.jpg",'
    + b",".join(b'"%s":"%%s/%%d/images/%%%%d/%%s__%%%%05d.%%d.%s.jpg?c=2"' % (key.encode(), size.encode())
                for key, size in IMAGE_SIZES)
    + b',"date_modified":"%s"}'
)  # fmt: skip


def _images(core: Core, root: bytes, base: bytes, u: int) -> tuple[bytes, bytes, int]:
    """Return (images, primary image, count) as JSON: 8 % of products have none, the rest 1-5."""
    if u & 0xFFFF < _P_NO_IMAGES >> 16:
        return b"[]", b"null", 0
    pid, created = core.id, core.date_created
    per_url = (root, pid, base, created)
    template = _IMAGE_P % (pid, base[:1], pid % 1000, base, *per_url, *per_url, *per_url, *per_url,
                           iso_date(created).encode())  # fmt: skip
    stem = pid * 7919
    out = []
    for k in range(1 + (u >> 16) % 5):
        iid, sfx = pid * 10 + k, (stem + k) % 100000
        out.append(
            template % (iid, b"true" if k == 0 else b"false", k, sfx, iid, sfx, iid, sfx, iid, sfx, iid, sfx)
        )
    return b"[" + b",".join(out) + b"]", out[0], len(out)


def build_product(
    seed: int, core: Core, store_hash: str, image_base: str = CDN
) -> tuple[dict, list, list, list, list]:
    """Return (base product, variants, images, custom_fields, options) in v3 JSON shapes (parsed pieces)."""
    p = product_pieces(seed, core, store_hash, image_base)
    return loads(p.base + b"}"), loads(p.variants), loads(p.images), loads(p.custom_fields), loads(p.options)
