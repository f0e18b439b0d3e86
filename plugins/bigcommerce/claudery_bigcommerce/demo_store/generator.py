"""Deterministic, realistic catalog generation: every value is a pure function of (seed, id).

Only a compact ``Core`` (the fields filters and sorts need) is built for every product up front; the
full product (description, variants, images, custom fields) is generated on demand, so a 100,000-product
store starts in seconds and stays small in memory.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass

from claudery_bigcommerce.demo_store import words as w
from claudery_bigcommerce.demo_store.formats import iso_date, num

ANCHOR_EPOCH = 1_761_955_200  # 2025-11-01T00:00:00+00:00: generated dates are before it, edits after
FIRST_CREATED = 1_420_070_400  # 2015-01-01
CDN = "https://cdn11.bigcommerce.com"
IMAGE_SIZES = (("url_zoom", "1280.1280"), ("url_standard", "560.850"), ("url_thumbnail", "330.500"),
               ("url_tiny", "66.100"))  # fmt: skip


class Core:
    """The per-product fields that filters and sorts use; everything else is derived on demand."""

    __slots__ = (
        "availability", "brand_id", "categories", "date_created", "date_modified", "id", "inventory_level",
        "is_featured", "is_visible", "n_variants", "name", "price", "sale_price", "sku", "total_sold",
        "type",
    )  # fmt: skip

    def __init__(self, **kw: object) -> None:
        for key, value in kw.items():
            setattr(self, key, value)

    @property
    def calculated_price(self) -> float:
        """Sale price when set, otherwise price (the documented ``calculated_price``)."""
        return self.sale_price if self.sale_price else self.price


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


def slug(text: str) -> str:
    """Return an ASCII URL slug (entities and non-ASCII dropped)."""
    text = re.sub(r"&[a-z#0-9]+;", " ", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode()).strip("-") or "item"


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


def make_core(seed: int, pid: int, tax: Taxonomy, *, force_variants: int = 0) -> Core:
    """Generate the filterable fields of product ``pid``."""
    rng = _rng(seed, pid)
    noun_i = rng.randrange(len(w.NOUNS))
    name = (f"{rng.choice(w.ADJECTIVES)} {rng.choice(w.MATERIALS)} {w.NOUNS[noun_i]}"
            f" {rng.choice(w.COLORS)} No. {pid}")  # fmt: skip
    sku = "" if rng.random() < 0.1 else f"{w.SKU_CODES[noun_i % len(w.SKU_CODES)]}-{pid:05d}"
    r = rng.random()
    price = 0.0 if r < 0.03 else round(rng.uniform(2, 400), 2) if r < 0.93 else float(rng.randint(5, 300))
    sale = round(price * rng.uniform(0.5, 0.95), 2) if price and rng.random() < 0.15 else 0.0
    created = rng.randint(FIRST_CREATED, ANCHOR_EPOCH - 86400)
    r = rng.random()
    n_var = 1 if r < 0.8 else rng.randint(2, 12) if r < 0.975 else rng.randint(13, 60) if r < 0.999 else 0
    if n_var == 0 or force_variants:
        n_var = force_variants or rng.randint(200, 600)
    r = rng.random()
    availability = "available" if r < 0.93 else "disabled" if r < 0.97 else "preorder"
    return Core(
        id=pid, name=name, sku=sku, price=price, sale_price=sale, is_visible=rng.random() >= 0.08,
        date_created=created, date_modified=rng.randint(created, ANCHOR_EPOCH),
        brand_id=0 if rng.random() < 0.1 else rng.choice(tax.brands)["id"],
        categories=sorted(rng.sample(tax.leaf_ids, k=min(len(tax.leaf_ids), rng.choice((1, 1, 1, 2, 3))))),
        inventory_level=rng.randint(0, 500) if rng.random() < 0.7 else 0, total_sold=rng.randint(0, 2000),
        n_variants=n_var, is_featured=rng.random() < 0.05, availability=availability,
        type="digital" if rng.random() < 0.04 else "physical",
    )  # fmt: skip


def description(seed: int, pid: int) -> str:
    """Return the HTML description of a product: usually short, sometimes tens of kilobytes."""
    rng = _rng(seed, pid, 1)
    r = rng.random()
    paragraphs = 1 if r < 0.6 else rng.randint(2, 6) if r < 0.98 else rng.randint(80, 250)
    parts = []
    for i in range(paragraphs):
        body = " ".join(rng.choice(w.SENTENCES) for _ in range(rng.randint(1, 4)))
        parts.append(
            f"<p>{body}</p>" if i % 5 != 3 else f"<ul><li>{body}</li><li><em>{w.SIZES[i % 10]}</em></li></ul>"
        )
    return "".join(parts)


def build_product(seed: int, core: Core, store_hash: str) -> tuple[dict, list, list, list, list]:
    """Return (base product, variants, images, custom_fields, options) in v3 JSON shapes."""
    pid = core.id
    rng = _rng(seed, pid, 2)
    price, sale = core.price, core.sale_price
    weight = round(rng.uniform(0.1, 12), 2) if core.type == "physical" else 0
    dims = [rng.randint(0, 60) for _ in range(3)]
    options, variants = _variants(rng, core, weight, dims)
    images = _images(rng, core, store_hash, slug(core.name)[:40])
    custom_fields = [
        {"id": pid * 10 + k, "name": w.FIELD_NAMES[(pid + k) % len(w.FIELD_NAMES)],
         "value": rng.choice(w.FIELD_VALUES)}
        for k in range(rng.choice((0, 0, 1, 2, 3)))
    ]  # fmt: skip
    preorder = core.availability == "preorder"
    name_slug = slug(core.name)
    base = {
        "id": pid, "name": core.name, "type": core.type, "sku": core.sku, "description": description(seed, pid),
        "weight": num(weight), "width": dims[0], "depth": dims[1], "height": dims[2],
        "price": num(price), "cost_price": num(round(price * 0.4, 2)), "retail_price": num(round(price * 1.2, 2)),
        "sale_price": num(sale), "map_price": 0, "tax_class_id": 0, "product_tax_code": "",
        "calculated_price": num(core.calculated_price), "categories": list(core.categories),
        "brand_id": core.brand_id, "option_set_id": None, "option_set_display": "right",
        "inventory_level": core.inventory_level, "inventory_warning_level": rng.choice((0, 0, 5, 10)),
        "inventory_tracking": "variant" if len(variants) > 1 else rng.choice(("none", "product")),
        "reviews_rating_sum": rng.randint(0, 50), "reviews_count": rng.randint(0, 12),
        "total_sold": core.total_sold, "fixed_cost_shipping_price": 0, "is_free_shipping": rng.random() < 0.1,
        "is_visible": core.is_visible, "is_featured": core.is_featured, "related_products": [-1],
        "warranty": "", "bin_picking_number": "", "layout_file": "product.html",
        "upc": "" if rng.random() < 0.7 else f"{rng.randint(10**11, 10**12 - 1)}", "mpn": "", "gtin": "",
        "search_keywords": ", ".join(name_slug.split("-")[:3]),
        "availability": core.availability, "availability_description": "",
        "gift_wrapping_options_type": "any", "gift_wrapping_options_list": [], "sort_order": 0,
        "condition": "New", "is_condition_shown": False, "order_quantity_minimum": 0,
        "order_quantity_maximum": 0, "page_title": "", "meta_keywords": [], "meta_description": "",
        "date_created": iso_date(core.date_created), "date_modified": iso_date(core.date_modified),
        "view_count": rng.randint(0, 9000),
        "preorder_release_date": iso_date(ANCHOR_EPOCH + 30 * 86400) if preorder else None,
        "preorder_message": "Ships next month" if preorder else "", "is_preorder_only": False,
        "is_price_hidden": False, "price_hidden_label": "",
        "custom_url": {"url": f"/{name_slug}/", "is_customized": rng.random() < 0.1},
        "base_variant_id": variants[0]["id"] if len(variants) == 1 else None,
        "open_graph_type": "product", "open_graph_title": "", "open_graph_description": "",
        "open_graph_use_meta_description": True, "open_graph_use_product_name": True,
        "open_graph_use_image": True,
    }  # fmt: skip
    return base, variants, images, custom_fields, options


def _variants(rng: random.Random, core: Core, weight: float, dims: list[int]) -> tuple[list, list]:
    pid, n = core.id, core.n_variants
    if n <= 1:
        axes: list[tuple[str, tuple[str, ...]]] = []
    elif n <= len(w.SIZES):
        axes = [("Size", w.SIZES)]
    elif n <= len(w.SIZES) * len(w.COLORS):
        axes = [("Size", w.SIZES), ("Color", w.COLORS)]
    else:
        axes = [("Size", w.SIZES), ("Color", w.COLORS), ("Finish", w.FINISHES)]
    options, value_ids = [], []
    vid = pid * 100
    for k, (label, values) in enumerate(axes):
        opt_id = pid * 10 + k
        vals = []
        for j, value in enumerate(values):
            vals.append({"id": vid, "label": value, "sort_order": j, "value_data": None, "is_default": False})
            vid += 1
        value_ids.append([(opt_id, label, v) for v in vals])
        options.append({"id": opt_id, "product_id": pid, "display_name": label, "type": "rectangles",
                        "config": [], "sort_order": k, "option_values": vals})  # fmt: skip
    combos = itertools.islice(itertools.product(*value_ids), n) if axes else [()]
    # Per-variant values come from arithmetic on (pid, k), not the RNG, and the few distinct numbers are
    # computed once: a product with 600 variants must not cost 600 times a simple one.
    tiers = [num(round(core.price * (1 + 0.05 * t), 2)) for t in range(5)]
    sale, retail, cost = (
        num(core.sale_price),
        num(round(core.price * 1.2, 2)),
        num(round(core.price * 0.4, 2)),
    )
    calc, wgt = num(core.calculated_price), num(weight)
    variants = []
    for k, combo in enumerate(combos):
        inherit = bool(axes) and (pid * 13 + k) % 10 < 3
        vid = pid * 1000 + k
        variants.append({
            "id": vid, "product_id": pid, "sku": core.sku if k == 0 else (f"{core.sku}-{k}" if core.sku else ""),
            "sku_id": vid if axes else None, "price": None if inherit else tiers[k % 5],
            "calculated_price": calc if inherit or sale else tiers[k % 5], "sale_price": None if inherit else sale,
            "retail_price": None if inherit else retail, "map_price": None, "weight": None if inherit else wgt,
            "width": dims[0], "height": dims[2], "depth": dims[1], "calculated_weight": wgt,
            "is_free_shipping": False, "fixed_cost_shipping_price": 0,
            "purchasing_disabled": (pid + 7 * k) % 50 == 0, "purchasing_disabled_message": "", "image_url": "",
            "cost_price": cost, "upc": "", "mpn": "", "gtin": "", "inventory_level": (pid * 31 + k * 17) % 41,
            "inventory_warning_level": 0, "bin_picking_number": "",
            "option_values": [{"id": v["id"], "label": v["label"], "option_id": oid, "option_display_name": lbl}
                              for oid, lbl, v in combo],
        })  # fmt: skip
    return options, variants


def _images(rng: random.Random, core: Core, store_hash: str, base: str) -> list[dict]:
    pid = core.id
    count = 0 if rng.random() < 0.08 else rng.randint(1, 5)
    images = []
    for k in range(count):
        iid = pid * 10 + k
        stem = f"{base}__{(pid * 7919 + k) % 100000:05d}"
        prefix = f"{CDN}/s-{store_hash}/products/{pid}/images/{iid}/{stem}.{core.date_created}"
        image = {"id": iid, "product_id": pid, "is_thumbnail": k == 0, "sort_order": k, "description": "",
                 "image_file": f"{base[0]}/{pid % 1000:03d}/{stem}.jpg"}  # fmt: skip
        for key, size in IMAGE_SIZES:
            image[key] = f"{prefix}.{size}.jpg?c=2"
        image["date_modified"] = iso_date(core.date_created)
        images.append(image)
    return images
