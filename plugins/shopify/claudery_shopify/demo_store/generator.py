"""Deterministic catalog generation: every value is a pure function of (seed, id).

Only a compact :class:`Core` (what search filters and sort keys need) is built per product up front. The
GraphQL node of a product (a dict the executor reads) is built on demand, and its nested connections
(variants, media, metafields, collections) generate only the rows a page asks for: variant ``k`` of
product ``p`` is a function of ``(seed, p, k)``, so ``variants(first: 10)`` on a 2,000-variant product
costs ten rows, not two thousand.

Ids are large (13 digits, like real Shopify ids); variant ids are ``product_id * 4096 + position``, media
ids ``product_id * 64 + position`` and metafield ids ``product_id * 16 + index``, so a child GID says
which product it belongs to. Variant ids exceed 2**53, as real ones can in REST/webhook payloads.
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claudery_shopify.demo_store import words as w
from claudery_shopify.demo_store.formats import html_escape, iso, money, slug, strip_html

ANCHOR_EPOCH = 1_764_547_200  # 2025-12-01T00:00:00Z: generated timestamps are before it, edits after
FIRST_CREATED = 1_577_836_800  # 2020-01-01
FIRST_PRODUCT_ID = 9_885_482_000_000
VARIANT_FACTOR, MEDIA_FACTOR, METAFIELD_FACTOR = 4096, 64, 16
COLLECTION_BASE = 480_000_000_000
CDN = "https://cdn.shopify.com/s/files/1/0712/3456/7890/files"
STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED")

_U32 = 4294967296
_unpack16 = struct.Struct("<16I").unpack


def draws(seed: int, key: int, salt: int) -> tuple[int, ...]:
    """Return 16 uniform 32-bit integers determined by ``(seed, key, salt)`` (about a microsecond)."""
    return _unpack16(hashlib.blake2b(b"%d:%d:%d" % (seed, key, salt)).digest())


class Core:
    """The per-product fields filters and sort keys use; edits change these (and ``body``)."""

    __slots__ = (
        "body",
        "collections",
        "compare",
        "created",
        "handle",
        "id",
        "n_media",
        "n_metafields",
        "n_variants",
        "price",
        "product_type",
        "published",
        "status",
        "tags",
        "title",
        "updated",
        "vendor",
    )

    def __init__(self, **values: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, values.get(name))

    def copy(self) -> Core:
        """A shallow copy (edits replace the core, so readers of the old one see a consistent product)."""
        return Core(**{name: getattr(self, name) for name in self.__slots__})


@dataclass(frozen=True)
class Env:
    """Shop-level facts a product node needs."""

    seed: int
    domain: str
    currency: str
    collections: tuple[dict[str, Any], ...]
    malformed: Callable[[int], str]  #: product id -> "" or a malformation kind


def product_ids(seed: int, count: int) -> list[int]:
    """``count`` ascending product ids with gaps (deleted products leave holes in real shops)."""
    rng = random.Random(seed * 7 + 1)
    ids, current = [], FIRST_PRODUCT_ID + rng.randint(0, 10_000)
    for _ in range(count):
        ids.append(current)
        current += 1 + (0 if rng.random() < 0.7 else rng.randint(1, 3000))
    return ids


def variant_count(u: int, max_variants: int) -> int:
    """Mostly 1 (a "Default Title" product), some up to a few hundred, a rare few up to the maximum."""
    r = u / _U32
    if r < 0.55:
        return 1
    if r < 0.9:
        return 2 + u % 9
    if r < 0.99:
        return min(max_variants, 11 + u % 90)
    if r < 0.999:
        return min(max_variants, 101 + u % 150)
    return min(max_variants, 251 + u % max(1, max_variants - 250))


def media_count(u: int, max_media: int) -> int:
    """0 to ``max_media``: mostly 1 to 5."""
    r = u / _U32
    if r < 0.15:
        return 0
    if r < 0.85:
        return min(max_media, 1 + u % 5)
    if r < 0.99:
        return min(max_media, 6 + u % 15)
    return min(max_media, 21 + u % max(1, max_media - 20))


def make_core(
    seed: int,
    pid: int,
    n_collections: int,
    *,
    max_variants: int,
    max_media: int,
    force_variants: int = 0,
    force_media: int = -1,
) -> Core:
    """Generate the searchable fields of product ``pid``."""
    a = draws(seed, pid, 0)
    adjective, material = w.ADJECTIVES[a[0] % len(w.ADJECTIVES)], w.MATERIALS[a[1] % len(w.MATERIALS)]
    title = f"{adjective} {material} {w.NOUNS[a[2] % len(w.NOUNS)]}"
    created = FIRST_CREATED + a[3] % (ANCHOR_EPOCH - FIRST_CREATED - 86_400)
    updated = created + a[4] % (ANCHOR_EPOCH - created)
    if a[5] % 10 == 0:  # batch imports: many products share one updatedAt (exercises sort tie-breaks)
        updated = created - created % 3600 + 3600
    s = a[6] % 100
    status = "ACTIVE" if s < 85 else "DRAFT" if s < 93 else "ARCHIVED" if s < 98 else "UNLISTED"
    tags = tuple(sorted({w.TAGS[a[7 + i] % len(w.TAGS)] for i in range(a[8] % 4)}))
    price = 0 if a[9] % 50 == 0 else 100 + a[9] % 30_000
    if a[10] % 3:
        price -= price % 100 - 99 if price > 100 else 0  # mostly .99 prices
    members = tuple(sorted({a[11 + i] % n_collections for i in range(a[12] % 4)})) if n_collections else ()
    return Core(
        id=pid,
        title=title,
        handle=f"{slug(title)}-{pid % 1_000_000}",
        vendor=w.VENDORS[a[13] % len(w.VENDORS)],
        product_type=w.PRODUCT_TYPES[a[14] % len(w.PRODUCT_TYPES)],
        status=status,
        tags=tags,
        created=created,
        updated=max(updated, created),
        published=created + 600 if status == "ACTIVE" else None,
        n_variants=force_variants or variant_count(a[15], max_variants),
        n_media=force_media if force_media >= 0 else media_count(a[1] ^ a[2], max_media),
        n_metafields=a[3] % 6,
        price=price,
        compare=(price * 5 // 4) if a[10] % 5 == 0 else None,
        collections=members,
        body=None,
    )


def make_collections(seed: int, products: int) -> tuple[dict[str, Any], ...]:
    """The shop's collections: 5 to 200, sized to the catalog."""
    n = max(5, min(200, products // 500))
    out = []
    for i in range(n):
        base = w.COLLECTIONS[i % len(w.COLLECTIONS)]
        title = base if i < len(w.COLLECTIONS) else f"{base} {i // len(w.COLLECTIONS) + 1}"
        cid = COLLECTION_BASE + i * 97 + seed % 89
        out.append(
            {
                "id": cid,
                "title": title,
                "handle": slug(title),
                "descriptionHtml": f"<p>Our <em>{title}</em> picks.</p>",
                "updatedAt": iso(ANCHOR_EPOCH - 86_400 * (i + 1)),
                "sortOrder": "BEST_SELLING",
            }
        )
    return tuple(out)


def description_html(seed: int, core: Core) -> str:
    """The product's HTML description (an edit may replace it)."""
    if core.body is not None:
        return core.body
    a = draws(seed, core.id, 1)
    if a[0] % 20 == 0:
        return ""
    parts = [f"<p>{html_escape(w.SENTENCES[a[1 + i] % len(w.SENTENCES)])}</p>" for i in range(1 + a[5] % 3)]
    if a[6] % 3 == 0:
        items = "".join(f"<li>{html_escape(w.SENTENCES[a[7 + i] % len(w.SENTENCES)])}</li>" for i in range(3))
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def option_axes(n: int) -> list[tuple[str, tuple[str, ...]]]:
    """The option axes (name, values) for ``n`` variants: Size, then Color, then Finish."""
    if n <= 1:
        return [("Title", ("Default Title",))]
    sizes = min(n, len(w.SIZES))
    colors = min(-(-n // sizes), len(w.COLORS))
    axes = [("Size", w.SIZES[:sizes])]
    if colors > 1:
        axes.append(("Color", w.COLORS[:colors]))
        finishes = -(-n // (sizes * colors))
        if finishes > 1:
            axes.append(("Finish", w.FINISHES[:finishes]))
    return axes


def selected_options(axes: list[tuple[str, tuple[str, ...]]], k: int) -> list[dict[str, str]]:
    """The option values of variant position ``k`` (1-based): mixed-radix digits of ``k - 1``."""
    rest, out = k - 1, []
    for name, values in axes:
        rest, digit = divmod(rest, len(values))
        out.append({"name": name, "value": values[digit]})
    return out


def variant_price(core: Core, k: int) -> int:
    """Price in cents of variant ``k``: the product price plus a step per 5 positions."""
    return max(0, core.price + ((k - 1) % 5) * 500) if core.price else 0


def variant_inventory(seed: int, core: Core, k: int) -> int:
    """Inventory of variant ``k``: a cheap formula, so ``totalInventory`` can sum thousands."""
    return ((core.id // 7 + k * 37 + seed) % 61) - (3 if (core.id + k) % 17 == 0 else 0)


def variant_updated(core: Core, k: int) -> int:
    """``updatedAt`` of variant ``k``: at most an hour before its product's (never before its creation)."""
    return max(core.created, core.updated - (k * 13) % 3600)


def variant_sku(seed: int, core: Core, k: int) -> str | None:
    """SKU of variant ``k``: sometimes null, sometimes empty (real shops have both)."""
    u = (core.id * 31 + k * 2654435761 + seed) % _U32
    if u % 10 == 0:
        return None
    if u % 20 == 1:
        return ""
    return f"{w.SKU_CODES[core.id % len(w.SKU_CODES)]}-{core.id % 100000}-{k:04d}"


def variant_node(env: Env, core: Core, k: int, axes: list, product: Callable[..., Any]) -> dict[str, Any]:
    """The GraphQL node of variant position ``k``."""
    vid = core.id * VARIANT_FACTOR + k
    u = (core.id * 31 + k * 2654435761 + env.seed) % _U32
    opts = selected_options(axes, k)
    title = " / ".join(o["value"] for o in opts)
    sku = variant_sku(env.seed, core, k)
    price = variant_price(core, k)
    inventory = variant_inventory(env.seed, core, k)
    policy = "CONTINUE" if u % 9 == 0 else "DENY"
    vupdated = variant_updated(core, k)
    gid = f"gid://shopify/ProductVariant/{vid}"
    return {
        "__typename": "ProductVariant",
        "id": gid,
        "legacyResourceId": str(vid),
        "title": title,
        "displayName": f"{core.title} - {title}",
        "sku": sku,
        "barcode": None if u % 2 else f"{(vid * 7919) % 10**13:013d}",
        "price": money(price),
        "compareAtPrice": money(core.compare + ((k - 1) % 5) * 500) if core.compare else None,
        "inventoryQuantity": inventory,
        "inventoryPolicy": policy,
        "availableForSale": core.status == "ACTIVE" and (inventory > 0 or policy == "CONTINUE"),
        "position": k,
        "taxable": u % 7 != 0,
        "selectedOptions": opts,
        "createdAt": iso(core.created),
        "updatedAt": iso(vupdated),
        "product": product,
        "inventoryItem": {
            "__typename": "InventoryItem",
            "id": f"gid://shopify/InventoryItem/{vid + 7}",
            "legacyResourceId": str(vid + 7),
            "sku": sku,
            "tracked": policy == "DENY",
            "requiresShipping": True,
        },
    }


def media_node(env: Env, core: Core, j: int) -> dict[str, Any]:
    """The GraphQL node of media position ``j``: mostly images, some videos."""
    mid = core.id * MEDIA_FACTOR + j
    u = (core.id * 131 + j * 40503 + env.seed) % _U32
    alt = None if u % 4 == 0 else f"{core.title} — view {j}"
    width, height = (1200, 1200) if u % 3 else (2048, 1365)
    image = {
        "__typename": "Image",
        "id": f"gid://shopify/ImageSource/{mid}",
        "url": f"{CDN}/{slug(core.title)}-{j}.jpg?v={core.updated}",
        "altText": alt,
        "width": width,
        "height": height,
    }
    preview = {"__typename": "MediaPreviewImage", "image": image, "status": "READY"}
    if u % 10 == 9:
        return {
            "__typename": "Video",
            "id": f"gid://shopify/Video/{mid}",
            "alt": alt,
            "mediaContentType": "VIDEO",
            "status": "READY",
            "preview": preview,
            "duration": 5000 + u % 60000,
            "sources": [
                {
                    "__typename": "VideoSource",
                    "url": f"{CDN}/video-{mid}.mp4",
                    "mimeType": "video/mp4",
                    "format": "mp4",
                    "height": 720,
                    "width": 1280,
                }
            ],
        }
    return {
        "__typename": "MediaImage",
        "id": f"gid://shopify/MediaImage/{mid}",
        "alt": alt,
        "mediaContentType": "IMAGE",
        "status": "READY",
        "preview": preview,
        "image": image,
        "mimeType": "image/jpeg",
        "createdAt": iso(core.created),
        "updatedAt": iso(core.updated),
    }


def metafield_node(env: Env, core: Core, i: int) -> dict[str, Any]:
    """The GraphQL node of metafield ``i`` (0-based)."""
    namespace, key, type_ = w.METAFIELD_KEYS[i % len(w.METAFIELD_KEYS)]
    mid = core.id * METAFIELD_FACTOR + i
    value = {
        "multi_line_text_field": "Hand wash.\nDo not bleach — séchage à plat.",
        "single_line_text_field": w.VENDORS[(core.id + i) % len(w.VENDORS)],
        "number_integer": str(1 + core.id % 5),
        "json": f'{{"width_cm": {10 + core.id % 50}, "height_cm": {5 + core.id % 30}, "unit": "cm"}}',
        "boolean": "true" if core.id % 2 else "false",
    }[type_]
    return {
        "__typename": "Metafield",
        "id": f"gid://shopify/Metafield/{mid}",
        "legacyResourceId": str(mid),
        "namespace": namespace,
        "key": key,
        "value": value,
        "type": type_,
        "description": None,
        "createdAt": iso(core.created),
        "updatedAt": iso(core.updated),
    }


def collection_node(
    col: dict[str, Any], count: Callable[[], int] | None = None, products: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """The GraphQL node of a collection (``products``/``productsCount`` are wired by the catalog)."""
    html = col["descriptionHtml"]
    return {
        "__typename": "Collection",
        "id": f"gid://shopify/Collection/{col['id']}",
        "legacyResourceId": str(col["id"]),
        "title": col["title"],
        "handle": col["handle"],
        "description": lambda args: _truncate(strip_html(html), args),
        "descriptionHtml": html,
        "updatedAt": col["updatedAt"],
        "sortOrder": col["sortOrder"],
        "productsCount": (lambda args: {"count": count(), "precision": "EXACT"}) if count else None,
        "products": products,
    }


def _truncate(text: str, args: dict[str, Any]) -> str:
    n = args.get("truncateAt")
    return text if n is None or len(text) <= n else text[: max(0, n - 1)].rstrip() + "…"
