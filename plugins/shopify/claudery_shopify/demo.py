"""The ``demo_store`` hook: the local Shopify stand-in, and a CatalogAdmin over its ``/__demo/`` endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from hub.contract import DemoStoreHandle

from . import credentials as creds


class DemoCatalogAdmin:
    """:class:`~hub.contract.CatalogAdmin` of one demo shop (ids are product GIDs)."""

    def __init__(self, base_url: str, shop: str):
        self._url = f"{base_url.rstrip('/')}/__demo/shops/{shop}"
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        resp = self._session.request(method, self._url + path, json=body, timeout=60)
        resp.raise_for_status()
        return resp.json()

    def product_ids(self) -> list[str]:
        """Every product GID the shop has now."""
        return list(self._call("GET", "/ids")["data"])

    def create_product(self, name: str) -> str:
        """Create a product titled ``name``; its GID."""
        return str(self._call("POST", "/products", {"title": name})["data"]["id"])

    def update_product(self, product_id: str, name: str) -> None:
        """Rename a product (its updatedAt moves forward)."""
        self._call("PUT", f"/products/{_number(product_id)}", {"title": name})

    def delete_product(self, product_id: str) -> None:
        """Delete a product."""
        self._call("DELETE", f"/products/{_number(product_id)}")


def _number(product_id: str) -> str:
    return str(product_id).rsplit("/", 1)[-1]


def demo_store(settings: Mapping[str, Any]) -> DemoStoreHandle:
    """Start the demo store in this process (a background thread) and say how to connect to it.

    ``SHOPIFY_DEMO_PRODUCTS`` (default 500) and ``SHOPIFY_DEMO_PLAN`` (default standard) size it.
    """
    try:
        from .demo_store import start_demo_store
    except ImportError as exc:
        raise RuntimeError(f"The Shopify demo store is not available in this installation ({exc}).") from None
    products = int(settings.get("SHOPIFY_DEMO_PRODUCTS", 500) or 500)
    plan = str(settings.get("SHOPIFY_DEMO_PLAN", "standard") or "standard")
    handle = start_demo_store(products=products, plan=plan)
    base = handle.base_url + "/shops/{shop}"
    return DemoStoreHandle(
        base_url=base,
        # The app's client ID and secret (path B): the plugin exchanges them for expiring tokens, and the secret
        # is what Shopify signs webhook deliveries with, so live updates work on the demo site too.
        credentials=creds.normalize_credentials(
            {"shop": handle.shop, "client_id": handle.client_id, "client_secret": handle.client_secret}
        ),
        settings={"SHOPIFY_API_URL": base},
        stop=handle.stop,
        admin=DemoCatalogAdmin(handle.base_url, handle.shop),
    )
