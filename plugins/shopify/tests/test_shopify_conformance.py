"""The Shopify plugin passes the hub's platform conformance suite (:mod:`hub.conformance`).

The live half runs against the plugin's own ``demo_store`` hook (the local Shopify stand-in, over real
HTTP); the checks that change the catalog use its CatalogAdmin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claudery_shopify import plugin

from hub.conformance import PlatformConformance

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


class TestShopifyConformance(PlatformConformance):
    """Credentials as merchants paste them, and the demo store as the live store."""

    plugin = plugin
    platform = "shopify"
    # the offline network test would otherwise back off between retries for seconds; the demo store on
    # the Plus bucket, so the suite's repeated walks with small pages are not paced for seconds (the
    # pacing itself is tested in test_shopify_products.py)
    settings: Mapping[str, Any] = {
        "SHOPIFY_BACKOFF_BASE": 0,
        "SHOPIFY_MAX_RETRIES": 1,
        "SHOPIFY_DEMO_PRODUCTS": 150,
        "SHOPIFY_DEMO_PLAN": "plus",
    }
    # a 150-product demo store in pages of 25: several pages, so resuming and deleting are tested
    demo_settings: Mapping[str, Any] = {"SHOPIFY_PAGE_SIZE": 25}

    def valid_credentials(self) -> list[dict[str, str]]:
        return [
            {"shop": "my-store", "access_token": TOKEN},
            {
                "shop": "https://My-Store.myshopify.com/admin/products?x=1",
                "access_token": f"X-Shopify-Access-Token: '{TOKEN}'",
            },
            {
                "shop": "https://admin.shopify.com/store/my-store/products",
                "client_id": "3f1a9c0b7d2e4f5a",
                "client_secret": "shpss_0123456789abcdef",
                "api_version": "2026-07",
            },
        ]

    def invalid_credentials(self) -> list[tuple[dict[str, str], set[str]]]:
        return [
            ({"shop": "https://www.brand.com", "access_token": TOKEN}, {"shop"}),
            ({"shop": "my store!", "access_token": TOKEN}, {"shop"}),
            ({"shop": "my-store", "access_token": "shpss_0123456789abcdef"}, {"access_token"}),
            ({"shop": "my-store", "access_token": "shpat_01 23"}, {"access_token"}),
            ({"shop": "my-store"}, {"access_token"}),
            ({"shop": "my-store", "client_id": "abc"}, {"client_secret"}),
            ({"shop": "my-store", "access_token": TOKEN, "api_version": "2025-02"}, {"api_version"}),
            ({"shop": " ", "access_token": "\n"}, {"shop"}),
        ]
