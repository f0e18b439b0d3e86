"""Fixtures for the demo store's own tests: in-process servers (fast) and the process fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from claudery_bigcommerce.demo_store.config import DemoStoreConfig, StoreConfig
from claudery_bigcommerce.demo_store.server import DemoStoreServer
from claudery_bigcommerce.demo_store.testing import build_config, demo_store, demo_store_factory  # noqa: F401 - fixtures


class Client:
    """Calls one store the way the BigCommerce client does."""

    def __init__(
        self, server: DemoStoreServer, token: str | None = None, store_hash: str | None = None
    ) -> None:
        self.server = server
        self.session = requests.Session()
        self.token = token or server.access_token
        self.store_hash = store_hash or server.store_hash

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        url = f"{self.server.base_url}/stores/{self.store_hash}{path}"
        return self.session.get(url, params=params, headers={"X-Auth-Token": token or self.token,
                                                            "Accept": "application/json"}, timeout=30)  # fmt: skip

    def send(self, method: str, path: str, body: Any = None) -> requests.Response:
        url = f"{self.server.base_url}/stores/{self.store_hash}{path}"
        return self.session.request(method, url, json=body, headers={"X-Auth-Token": self.token}, timeout=30)

    def admin(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.session.request(method, f"{self.server.base_url}/__demo/{path}", json=body, timeout=60)


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
    """One read-only 300-product store, unlimited quota, with a second store and a scope-less account."""
    cfg = DemoStoreConfig(products=300, quota=0, stores=[
        StoreConfig(),
        StoreConfig(access_token="info-only", scopes=("store_v2_information_read_only",)),
        StoreConfig(access_token="products-only", scopes=("store_v2_products_read_only",)),
        StoreConfig(hash="second1", access_token="second-token", products=20),
    ])  # fmt: skip
    server = DemoStoreServer(cfg).start()
    yield server
    server.stop()


@pytest.fixture
def client(shared: DemoStoreServer) -> Client:
    return Client(shared)


@pytest.fixture
def make_client() -> type[Client]:
    """The Client class, for tests that need other tokens or stores."""
    return Client
