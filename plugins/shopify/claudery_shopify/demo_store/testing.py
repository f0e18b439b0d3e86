"""Test helpers: run a Shopify demo store in a separate process and drive its ``/__demo/`` endpoints.

A separate process matters: a sync and the benchmarks then measure real HTTP, and a dropped connection
really drops the socket. Use the pytest fixtures ``shopify_demo_store`` / ``shopify_demo_store_factory``
(load with ``pytest_plugins = ["claudery_shopify.demo_store.testing"]`` or import them into a
``conftest.py``) or call :func:`start_demo_store_process`.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from claudery_shopify.demo_store.launch import build_config
from hub.demo_kit import launch


class AdminClient:
    """A small client for the ``/__demo/`` admin endpoints of one demo store."""

    def __init__(self, base_url: str, shop: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.shop = shop
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        resp = self.session.request(
            method, f"{self.base_url}/__demo/{path}", json=body, params=params, timeout=120
        )
        resp.raise_for_status()
        return resp.json()

    def catalog(self, shop: str | None = None) -> dict[str, Any]:
        """The ground truth: every current product (all variants, media, metafields), and the collections."""
        return self._call("GET", f"shops/{shop or self.shop}/catalog")

    def product_ids(self) -> list[str]:
        """GIDs of every current product, ascending."""
        return self._call("GET", f"shops/{self.shop}/ids")["data"]

    def product(self, pid: int | str) -> dict[str, Any]:
        """One current product, complete."""
        return self._call("GET", f"shops/{self.shop}/products/{str(pid).rsplit('/', 1)[-1]}")["data"]

    def create_product(self, **fields: Any) -> dict[str, Any]:
        """Create a product (unspecified fields are generated); fires products/create."""
        return self._call("POST", f"shops/{self.shop}/products", fields)["data"]

    def update_product(self, pid: int | str, **fields: Any) -> dict[str, Any]:
        """Edit a product, bumping updatedAt; fires products/update."""
        return self._call("PUT", f"shops/{self.shop}/products/{str(pid).rsplit('/', 1)[-1]}", fields)["data"]

    def delete_product(self, pid: int | str) -> None:
        """Delete a product; fires products/delete."""
        self._call("DELETE", f"shops/{self.shop}/products/{str(pid).rsplit('/', 1)[-1]}")

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        """The event log (admin edits and paging churn) after sequence number ``since``."""
        return self._call("GET", f"shops/{self.shop}/events", since=since)["data"]

    def set_state(self, state: str, shop: str | None = None) -> None:
        """Make the shop "active", "frozen" (402) or "locked" (423)."""
        self._call("PUT", f"shops/{shop or self.shop}/state", {"state": state})

    def request_counts(self) -> dict[tuple[str, int, str], int]:
        """Requests answered so far by (operation, HTTP status, error code); status 0 = dropped."""
        rows = self._call("GET", "requests")["data"]
        return {(r["operation"], r["status"], r["code"]): r["count"] for r in rows}

    def costs(self) -> dict[str, dict[str, int]]:
        """Requested and actual cost summed per operation, with the number of requests."""
        rows = self._call("GET", "requests")["costs"]
        return {r["operation"]: {"requested": r["requested"], "actual": r["actual"], "requests": r["requests"]}
                for r in rows}  # fmt: skip

    def reset_counts(self) -> None:
        """Zero the request and cost counters."""
        self._call("DELETE", "requests")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change fault settings (FaultConfig fields; ``paging_changes`` may be a bool or a dict)."""
        return self._call("PUT", "faults", faults)

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> dict[str, Any]:
        """Change the injected latency."""
        return self._call("PUT", "latency", {"latency_ms": latency_ms, "jitter_ms": jitter_ms})

    def advance_clock(self, seconds: float) -> dict[str, float]:
        """Move the demo clock forward (buckets refill, tokens expire, bulk operations age)."""
        return self._call("PUT", "clock", {"advance_s": seconds})

    def set_time_scale(self, scale: float) -> dict[str, float]:
        """Run the demo clock ``scale`` times faster than real time."""
        return self._call("PUT", "clock", {"time_scale": scale})

    def set_bucket(
        self, size: float | None = None, restore: float | None = None, shop: str | None = None
    ) -> Any:
        """Change bucket size and/or restore rate (every app, or one shop's); buckets are full again."""
        body = {k: v for k, v in (("size", size), ("restore", restore), ("shop", shop)) if v is not None}
        return self._call("PUT", "bucket", body)

    def reset_buckets(self) -> None:
        """Fill every bucket."""
        self._call("POST", "bucket/reset")

    def webhook_deliveries(self) -> dict[str, Any]:
        """Recent webhook deliveries (``data``) and the number still queued (``pending``)."""
        return self._call("GET", "webhooks/deliveries")


@dataclass
class DemoStoreProcess:
    """A demo store running as a subprocess."""

    process: subprocess.Popen
    base_url: str
    shop: str
    shop_url: str
    access_token: str
    client_id: str
    client_secret: str
    admin: AdminClient
    output: list[str] = field(default_factory=list)

    def graphql_url(self, version: str = "2026-10") -> str:
        """The Admin GraphQL endpoint of the default shop."""
        return f"{self.shop_url}/admin/api/{version}/graphql.json"

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_demo_store_process(*, startup_timeout: float = 120.0, **options: Any) -> DemoStoreProcess:
    """Start ``python -m claudery_shopify.demo_store`` on a free port and wait until it is ready.

    ``options`` are :class:`DemoStoreConfig` fields (``products=200, throttle=False``), :class:`FaultConfig`
    fields (``error_rate=0.1``) and first-shop shorthands (``plan="plus"``, ``scopes="read_products"``).
    """
    cfg = build_config(**options)
    cfg.port = 0
    launched = launch(
        "claudery_shopify.demo_store",
        json.dumps(cfg.to_dict()),
        startup_timeout=startup_timeout,
        name="Shopify demo store",
    )
    proc, seen, output = launched.process, launched.announced, launched.output
    return DemoStoreProcess(proc, seen["base_url"], seen["shop"], seen["shop_url"], seen["access_token"],
                            seen["client_id"], seen["client_secret"], AdminClient(seen["base_url"], seen["shop"]),
                            output)  # fmt: skip


@pytest.fixture
def shopify_demo_store_factory() -> Iterator[Callable[..., DemoStoreProcess]]:
    """A factory ``shopify_demo_store_factory(**options)``; every store it started is stopped afterwards."""
    started: list[DemoStoreProcess] = []

    def factory(**options: Any) -> DemoStoreProcess:
        store = start_demo_store_process(**options)
        started.append(store)
        return store

    yield factory
    for store in started:
        store.stop()


@pytest.fixture
def shopify_demo_store(shopify_demo_store_factory: Callable[..., DemoStoreProcess]) -> DemoStoreProcess:
    """A 200-product Shopify demo store in its own process, not throttled, no faults."""
    return shopify_demo_store_factory(products=200, throttle=False)
