"""Storefront and admin URLs, the embed steps, and the declared capabilities."""

from __future__ import annotations

from claudery_shopify import plugin

from hub.contract import Capability, Product, StoreInfo


def test_storefront_url_prefers_online_store_url_then_primary_domain_and_handle() -> None:
    store = StoreInfo(domain="shop.brand.com", secure_url="https://shop.brand.com")
    published = Product(
        id="gid://shopify/Product/1", name="A", url="https://shop.brand.com/products/a", handle="a"
    )
    unpublished = Product(id="gid://shopify/Product/2", name="B", handle="b-2")
    assert plugin.storefront_product_url("shopify", store, published) == "https://shop.brand.com/products/a"
    assert (
        plugin.storefront_product_url("shopify", store, unpublished) == "https://shop.brand.com/products/b-2"
    )
    assert plugin.storefront_product_url("shopify", StoreInfo(), unpublished) is None


def test_admin_url_uses_the_handle_and_the_numeric_id() -> None:
    creds = {"shop": "my-store.myshopify.com", "api_version": "2026-10"}
    url = plugin.admin_product_url("shopify", creds, "gid://shopify/Product/9885482009280")
    assert url == "https://admin.shopify.com/store/my-store/products/9885482009280"
    assert plugin.admin_product_url("shopify", creds, "gid://shopify/Collection/1") is None
    assert plugin.admin_product_url("shopify", {}, "gid://shopify/Product/1") is None


def test_embed_steps_name_the_theme_editor_and_the_fallback() -> None:
    guide = plugin.embed_instructions("shopify", "bottom-left")
    text = " ".join(guide.steps + guide.notes)
    assert "Custom Liquid" in text and "theme.liquid" in text and "bottom left" in text
    assert guide.image_hosts == ["https://cdn.shopify.com"]


def test_capabilities_are_the_ones_the_plugin_keeps() -> None:
    info = plugin.platform_info()
    assert info.key == "shopify" and info.display_name == "Shopify" and info.contract_version == 2
    assert info.prefix == "SHOPIFY_"
    assert info.capabilities == {
        Capability.TAXONOMY,
        Capability.LIST_IDS,
        Capability.FETCH_BY_IDS,
        Capability.EXACT_PAGING,
        Capability.INCREMENTAL,
        Capability.WEBHOOKS,  # products/create|update|delete subscriptions, HMAC-verified (webhooks.py)
    }
