"""Fixtures for the Shopify demo store's own tests: in-process servers (fast) and the process fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from claudery_shopify.demo_store.config import DemoStoreConfig, ShopConfig
from claudery_shopify.demo_store.launch import build_config
from claudery_shopify.demo_store.server import DemoStoreServer
from claudery_shopify.demo_store.testing import (  # noqa: F401 - fixtures
    shopify_demo_store,
    shopify_demo_store_factory,
)
from shopify_demo_support import GraphQL


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
