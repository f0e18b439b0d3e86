"""Test helpers: run a demo store in a separate process and drive its ``/__demo/`` admin endpoints.

A separate process matters: the sync and the benchmarks then measure real HTTP, and a dropped connection
really drops the socket. Use the pytest fixtures ``demo_store`` / ``demo_store_factory`` (load with
``pytest_plugins = ["claudery_bigcommerce.demo_store.testing"]``) or call :func:`start_demo_store_process`.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from claudery_bigcommerce.demo_store.config import DemoStoreConfig, FaultConfig
from hub.demo_kit import launch

_FAULT_KEYS = {f for f in FaultConfig.__dataclass_fields__}


class AdminClient:
    """A small client for the ``/__demo/`` admin endpoints of one demo store."""

    def __init__(self, base_url: str, store_hash: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.store_hash = store_hash
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        resp = self.session.request(
            method, f"{self.base_url}/__demo/{path}", json=body, params=params, timeout=120
        )
        resp.raise_for_status()
        return resp.json()

    def catalog(self, store_hash: str | None = None) -> dict[str, Any]:
        """The ground truth: every current product (with variants, images, custom fields), categories, brands."""
        return self._call("GET", f"stores/{store_hash or self.store_hash}/catalog")

    def product(self, pid: int) -> dict[str, Any]:
        """One current product with all sub-resources."""
        return self._call("GET", f"stores/{self.store_hash}/products/{pid}")["data"]

    def create_product(self, **fields: Any) -> dict[str, Any]:
        """Create a product (unspecified fields are generated); fires store/product/created."""
        return self._call("POST", f"stores/{self.store_hash}/products", fields)["data"]

    def update_product(self, pid: int, **fields: Any) -> dict[str, Any]:
        """Edit a product, bumping date_modified; fires store/product/updated."""
        return self._call("PUT", f"stores/{self.store_hash}/products/{pid}", fields)["data"]

    def delete_product(self, pid: int) -> None:
        """Delete a product; fires store/product/deleted."""
        self._call("DELETE", f"stores/{self.store_hash}/products/{pid}")

    def changes(self, since: int = 0) -> list[dict[str, Any]]:
        """The change log (admin edits and paging churn) after sequence number ``since``."""
        return self._call("GET", f"stores/{self.store_hash}/changes", since=since)["data"]

    def request_counts(self) -> dict[tuple[str, int], int]:
        """Requests answered so far, by (endpoint template, status); status 0 = dropped connection."""
        rows = self._call("GET", "requests")["data"]
        return {(r["endpoint"], r["status"]): r["count"] for r in rows}

    def warm(self) -> dict[str, int]:
        """Generate the whole catalog into the store's cache (see ``Catalog.warm``): counts it cached."""
        return self._call("POST", f"stores/{self.store_hash}/warm")["data"]

    def reset_counts(self) -> None:
        """Zero the request counters."""
        self._call("DELETE", "requests")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        """Change fault settings (FaultConfig fields; ``paging_changes`` may be a bool or a dict)."""
        return self._call("PUT", "faults", faults)

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> dict[str, Any]:
        """Change the injected latency."""
        return self._call("PUT", "latency", {"latency_ms": latency_ms, "jitter_ms": jitter_ms})

    def set_quota(
        self, quota: int | None = None, window_ms: int | None = None, store_hash: str | None = None
    ) -> Any:
        """Change the quota and/or window (all stores unless ``store_hash``); the window restarts."""
        body = {
            k: v
            for k, v in (("quota", quota), ("window_ms", window_ms), ("store_hash", store_hash))
            if v is not None
        }
        return self._call("PUT", "quota", body)

    def reset_quota(self) -> None:
        """Give every store a fresh, full window."""
        self._call("POST", "quota/reset")

    def webhook_deliveries(self) -> dict[str, Any]:
        """Recent webhook deliveries (``data``) and the number still queued (``pending``)."""
        return self._call("GET", "webhooks/deliveries")


@dataclass
class DemoStoreProcess:
    """A demo store running as a subprocess."""

    process: subprocess.Popen
    base_url: str
    store_hash: str
    access_token: str
    admin: AdminClient
    output: list[str] = field(default_factory=list)

    @property
    def api_base(self) -> str:
        """``{base_url}/stores/{store_hash}`` (append ``/v3/...`` or ``/v2/...``)."""
        return f"{self.base_url}/stores/{self.store_hash}"

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def build_config(**options: Any) -> DemoStoreConfig:
    """Build a config from keyword options: DemoStoreConfig fields, or FaultConfig fields at top level."""
    faults = {k: options.pop(k) for k in list(options) if k in _FAULT_KEYS and k != "seed"}
    if "faults" in options:
        faults = {**options.pop("faults"), **faults}
    cfg = DemoStoreConfig.from_dict(options)
    if faults:
        cfg = DemoStoreConfig.from_dict({**cfg.to_dict(), "faults": faults})
    return cfg


def start_demo_store_process(*, startup_timeout: float = 120.0, **options: Any) -> DemoStoreProcess:
    """Start ``python -m claudery_bigcommerce.demo_store`` on a free port and wait until it is ready.

    ``options`` are :class:`DemoStoreConfig` fields (``products=200, quota=0, stores=[...]``) and/or
    :class:`FaultConfig` fields (``error_rate=0.1``, ``paging_changes={"enabled": True}``).
    """
    cfg = build_config(**options)
    cfg.port = 0
    launched = launch(
        "claudery_bigcommerce.demo_store",
        json.dumps(cfg.to_dict()),
        startup_timeout=startup_timeout,
        name="BigCommerce demo store",
    )
    proc, seen, output = launched.process, launched.announced, launched.output
    admin = AdminClient(seen["base_url"], seen["store_hash"])
    return DemoStoreProcess(proc, seen["base_url"], seen["store_hash"], seen["access_token"], admin, output)


@pytest.fixture
def demo_store_factory() -> Iterator[Callable[..., DemoStoreProcess]]:
    """A factory ``demo_store_factory(**options)``; every store it started is stopped afterwards."""
    started: list[DemoStoreProcess] = []

    def factory(**options: Any) -> DemoStoreProcess:
        store = start_demo_store_process(**options)
        started.append(store)
        return store

    yield factory
    for store in started:
        store.stop()


@pytest.fixture
def demo_store(demo_store_factory: Callable[..., DemoStoreProcess]) -> DemoStoreProcess:
    """A 200-product demo store in its own process, no quota, no faults."""
    return demo_store_factory(products=200, quota=0)
