"""Shopper-facing product URLs."""

from __future__ import annotations

from hub.contract import Product, StoreInfo


def storefront_product_url(store: StoreInfo, product: Product) -> str | None:
    """``secure_url`` (or ``https://<domain>``) joined with the product's custom URL path."""
    base = (store.secure_url or "").strip()
    if not base and store.domain:
        base = "https://" + store.domain.strip().strip("/")
    path = (product.url_path or "").strip()
    if not base or not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")
