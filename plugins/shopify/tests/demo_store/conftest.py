"""Fixtures for the Shopify demo store's own tests: in-process servers (fast) and the process fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from claudery_shopify.demo_store.config import DemoStoreConfig, ShopConfig
from claudery_shopify.demo_store.launch import build_config
from claudery_shopify.demo_store.server import DemoStoreServer
from claudery_shopify.demo_store.testing import (  # noqa: F401 - fixtures
    shopify_demo_store,
    shopify_demo_store_factory,
)


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


@pytest.fixture
def make_server() -> Iterator[Callable[..., DemoStoreServer]]:
    """Start in-process servers from keyword options (as ``start_demo_store_process`` takes)."""
    servers: list[DemoStoreServer] = []

    def make(**options: Any) -> DemoStoreServer:
        server = DemoStoreServer(build_config(**options)).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def shared() -> Iterator[DemoStoreServer]:
    """One read-only 300-product shop without throttling, a scope-less app on it, and a second shop."""
    cfg = DemoStoreConfig(products=300, throttle=False, shops=[
        ShopConfig(),
        ShopConfig(access_token="no-scopes-token", scopes=(), client_id="client-no-scopes"),
        ShopConfig(access_token="writer-token", scopes=("write_products",), client_id="client-writer"),
        ShopConfig(handle="second-shop", access_token="second-token", products=20, client_id="client-second"),
    ])  # fmt: skip
    server = DemoStoreServer(cfg).start()
    yield server
    server.stop()


@pytest.fixture
def gql(shared: DemoStoreServer) -> GraphQL:
    """A client of the shared shop's default app."""
    return GraphQL(shared)
