"""The demo store's ground truth and the plugin's records in one comparable shape (tests and bench)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.contract import Product


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).normalize()


def _regular_and_sale(price: Any, compare_at: Any) -> tuple[Decimal | None, Decimal | None]:
    selling, regular = _money(price), _money(compare_at)
    if selling is not None and regular is not None and regular > selling:
        return regular, selling
    return selling, None


def truth_product(p: dict[str, Any]) -> dict[str, Any]:
    """One ground-truth product (complete nested lists), as the plugin should map it."""
    return {
        "name": p["title"],
        "brand_ids": [p["vendor"]] if p.get("vendor") else [],
        "category_ids": sorted(p.get("collections") or []),
        "date_modified": p["updatedAt"],
        "variants": sorted(
            (v["id"], v.get("sku") or "", *_regular_and_sale(v.get("price"), v.get("compareAtPrice")))
            for v in p["variants"]
        ),
        "images": sorted(m["id"] for m in p.get("media") or [] if (m.get("image") or {}).get("url")),
        "custom_fields": sorted(
            (f"{m['namespace']}.{m['key']}", m["value"]) for m in p.get("metafields") or []
        ),
    }


def record_product(p: Product) -> dict[str, Any]:
    """One contract Product in the same shape."""
    return {
        "name": p.name,
        "brand_ids": list(p.brand_ids),
        "category_ids": sorted(p.category_ids),
        "date_modified": p.date_modified.strftime("%Y-%m-%dT%H:%M:%SZ") if p.date_modified else None,
        "variants": sorted((v.id, v.sku or "", _money(v.price), _money(v.sale_price)) for v in p.variants),
        "images": sorted(i.id for i in p.images),
        "custom_fields": sorted((f.name, f.value) for f in p.custom_fields),
    }


def truth_catalog(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every ground-truth product by GID."""
    return {p["id"]: truth_product(p) for p in truth["products"]}


def assert_same(got: dict[str, dict[str, Any]], want: dict[str, dict[str, Any]]) -> None:
    """Equal catalogs, with a readable report of the first differences."""
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, (
        f"missing {missing[:5]} ({len(missing)}), extra {extra[:5]} ({len(extra)})"
    )
    for pid in sorted(want):
        if got[pid] != want[pid]:
            diff = {k: (got[pid][k], want[pid][k]) for k in want[pid] if got[pid][k] != want[pid][k]}
            raise AssertionError(f"{pid} differs (got, want): {str(diff)[:2000]}")
