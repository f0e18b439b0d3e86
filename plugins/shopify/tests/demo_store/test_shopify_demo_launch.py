"""``start_demo_store``: the in-process handle the plugin's ``demo_store`` hook and the quick start use."""

from __future__ import annotations

import pytest
import requests
from claudery_shopify.demo_store import start_demo_store


def test_start_demo_store_returns_a_working_handle() -> None:
    handle = start_demo_store(products=15, plan="advanced", shop="quick-start")
    try:
        assert handle.shop_url == f"{handle.base_url}/shops/quick-start"
        assert handle.myshopify_domain == "quick-start.myshopify.com"
        resp = requests.post(handle.graphql_url(), json={"query": "{ productsCount { count } }"},
                             headers={"X-Shopify-Access-Token": handle.access_token}, timeout=10)  # fmt: skip
        body = resp.json()
        assert body["data"]["productsCount"]["count"] == 15
        assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 4000
        form = {"grant_type": "client_credentials", "client_id": handle.client_id,
                "client_secret": handle.client_secret}  # fmt: skip
        token = requests.post(f"{handle.shop_url}/admin/oauth/access_token", data=form, timeout=10)
        assert token.status_code == 200
    finally:
        handle.stop()
    with pytest.raises(requests.ConnectionError):
        requests.post(handle.graphql_url(), json={"query": "{ shop { name } }"}, timeout=5)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"plan": "gold"}, "unknown plan"),
        ({"colour": 1}, "unknown setting"),
        ({"time_scale": 0}, "time_scale"),
    ],
)
def test_bad_options_are_clear_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        start_demo_store(products=5, **options)
