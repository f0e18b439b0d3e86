"""The test client of the Shopify demo store's own tests (a module of its own: ``conftest`` names clash)."""

from __future__ import annotations

from typing import Any

import requests
from claudery_shopify.demo_store.server import DemoStoreServer


class GraphQL:
    """Calls one shop's Admin GraphQL endpoint the way a Shopify client does."""

    def __init__(self, server: DemoStoreServer, token: str | None = None, shop: str | None = None) -> None:
        self.server = server
        self.session = requests.Session()
        self.token = token or server.access_token
        self.shop = shop or server.shop

    def post(self, query: str, variables: dict | None = None, *, token: str | None = None,
             version: str = "2026-10", **kw: Any) -> requests.Response:  # fmt: skip
        headers = {"X-Shopify-Access-Token": token if token is not None else self.token}
        body = {"query": query, "variables": variables}
        return self.session.post(
            self.server.graphql_url(version, self.shop), json=body, headers=headers, timeout=30, **kw
        )

    def __call__(self, query: str, variables: dict | None = None, **kw: Any) -> dict[str, Any]:
        resp = self.post(query, variables, **kw)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.session.request(method, f"{self.server.base_url}/__demo/{path}", json=body, timeout=60)
        resp.raise_for_status()
        return resp.json()
