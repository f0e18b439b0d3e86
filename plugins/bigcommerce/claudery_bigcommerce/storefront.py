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


def admin_product_url(store_hash: str | None, product_id: str) -> str | None:
    """The control panel's edit page of a product, or None without a usable store hash or numeric id."""
    if not store_hash or not store_hash.isalnum() or not str(product_id).isdigit():
        return None
    return f"https://store-{store_hash}.mybigcommerce.com/manage/products/edit/{product_id}"
