"""Shopper-facing and admin URLs of a product, and how to put the widget on a Shopify theme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.contract import EmbedGuide, Product, StoreInfo

from .credentials import extract_handle

GID_PREFIX = "gid://shopify/Product/"


def storefront_product_url(store: StoreInfo, product: Product) -> str | None:
    """``onlineStoreUrl`` when Shopify gave one, else ``https://{primary domain}/products/{handle}``."""
    if product.url:
        return product.url
    handle = product.handle or (product.raw or {}).get("handle")
    base = (store.secure_url or (f"https://{store.domain}" if store.domain else "")).rstrip("/")
    if not handle or not base:
        return None
    return f"{base}/products/{handle}"


def admin_product_url(credentials: Mapping[str, Any], product_id: str) -> str | None:
    """``https://admin.shopify.com/store/{handle}/products/{numeric id}``."""
    handle = extract_handle(str(credentials.get("shop") or ""))
    number = product_id[len(GID_PREFIX) :] if product_id.startswith(GID_PREFIX) else product_id
    if not handle or not number.isdigit():
        return None
    return f"https://admin.shopify.com/store/{handle}/products/{number}"


def embed_instructions(position: str) -> EmbedGuide:
    """Online Store 2.0 themes: a Custom Liquid section in the footer; theme.liquid as the fallback."""
    corner = position.replace("-", " ")
    return EmbedGuide(
        title="Install it on Shopify",
        steps=[
            "In your Shopify admin go to Online Store → Themes and click Customize on your live theme.",
            "In the Footer group click Add section → Custom Liquid (Online Store 2.0 themes).",
            "Paste the line above into the Liquid box and click Save.",
            f"Open your storefront: the launcher appears in the {corner} corner on every page.",
        ],
        notes=[
            "Older themes without Custom Liquid: Online Store → Themes → … → Edit code, open "
            "layout/theme.liquid and paste the line just before </body>.",
            "Shopify does not run theme code on checkout pages, so the launcher is not shown there.",
            "A theme app embed (a toggle under Theme settings → App embeds) needs a Shopify app with a theme "
            "app extension; until the hub ships one, the Custom Liquid section is the way in.",
        ],
        image_hosts=["https://cdn.shopify.com"],
    )
