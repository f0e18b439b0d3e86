"""The BigCommerce plugin passes the hub's platform conformance suite (:mod:`hub.conformance`).

The live half runs against the local demo store that the plugin's ``demo_store`` hook starts (a real HTTP
server), so no BigCommerce account is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claudery_bigcommerce import plugin

from hub.conformance import PlatformConformance

TOKEN = "1ab2c3d4e5f6g7h8i9j0k1l2m3n4o5p"
UUID = "8d4d492f-17a1-4d95-b396-e1c5720815a5"


class TestBigCommerceConformance(PlatformConformance):
    """Credentials as merchants paste them, and the demo store as the live store."""

    plugin = plugin
    platform = "bigcommerce"
    # the offline network test would otherwise back off between retries for seconds
    settings: Mapping[str, Any] = {"BIGCOMMERCE_BACKOFF_BASE": 0, "BIGCOMMERCE_MAX_RETRIES": 1}
    # The live half runs against the plugin's own demo store (its demo_store hook, with a CatalogAdmin):
    # 500 products in pages of 50, so resuming from a cursor and deletions between pages are really tested.
    demo_settings: Mapping[str, Any] = {"BIGCOMMERCE_PAGE_SIZE": 50}

    def valid_credentials(self) -> list[dict[str, str]]:
        return [
            {"store_hash": "abc123", "access_token": TOKEN},
            # the API path shown with the API account, and the token with its header name and quotes
            {
                "store_hash": "https://api.bigcommerce.com/stores/abc123/v3/",
                "access_token": f"X-Auth-Token: '{TOKEN}'",
            },
            # the control-panel address, with every optional field
            {
                "store_hash": "https://store-abc123.mybigcommerce.com/manage/dashboard",
                "access_token": TOKEN,
                "client_id": "9z8y7x6w5v4u3t2s1r0q",
                "client_secret": "s3cr3t-client-value",
                "account_uuid": UUID.upper(),
            },
        ]

    def invalid_credentials(self) -> list[tuple[dict[str, str], set[str]]]:
        return [
            ({"store_hash": "my store!", "access_token": TOKEN}, {"store_hash"}),
            ({"store_hash": "https://example.com/shop", "access_token": TOKEN}, {"store_hash"}),
            ({"store_hash": "abc123", "access_token": "1ab2c3 d4e5f6"}, {"access_token"}),
            ({"store_hash": "abc123", "access_token": TOKEN, "account_uuid": "not-a-uuid"}, {"account_uuid"}),
            ({"store_hash": " ", "access_token": "\n"}, {"store_hash", "access_token"}),
        ]
