"""Start a demo store in this process and get a handle on it: what the Shopify plugin's ``demo_store``
hook and the hub's quick start use (tests use :mod:`.testing`, which runs it as a separate process)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claudery_shopify.demo_store.config import DemoStoreConfig, FaultConfig
from hub.demo_kit import assign_known

_FAULT_KEYS = {f for f in FaultConfig.__dataclass_fields__ if f != "seed"}
#: shorthand options that set a field of the first (default) shop
SHOP_KEYS = {
    "shop": "handle",
    "access_token": "access_token",
    "scopes": "scopes",
    "plan": "plan",
    "state": "state",
    "client_id": "client_id",
    "client_secret": "client_secret",
}


def build_config(**options: Any) -> DemoStoreConfig:
    """A config from keyword options: DemoStoreConfig fields, FaultConfig fields at top level, and
    shorthands for the first shop (``shop``, ``access_token``, ``scopes``, ``plan``, ``state``, ...)."""
    faults = {k: options.pop(k) for k in list(options) if k in _FAULT_KEYS}
    first = {SHOP_KEYS[k]: options.pop(k) for k in list(options) if k in SHOP_KEYS}
    if "faults" in options:
        faults = {**options.pop("faults"), **faults}
    cfg = DemoStoreConfig.from_dict(options)
    if faults:
        cfg = DemoStoreConfig.from_dict({**cfg.to_dict(), "faults": faults})
    if first:
        if isinstance(first.get("scopes"), str):
            first["scopes"] = tuple(first["scopes"].replace(",", " ").split())
        elif "scopes" in first:
            first["scopes"] = tuple(first["scopes"])
        assign_known(cfg.shops[0], first)
        cfg.validate()
    return cfg


@dataclass
class DemoStoreHandle:
    """A running demo store: where it is, the default shop's credentials, and how to stop it."""

    base_url: str  #: ``http://127.0.0.1:PORT``
    shop: str  #: handle of the default shop
    shop_url: (
        str  #: ``{base_url}/shops/{shop}``: use it where a client would use ``https://{shop}.myshopify.com``
    )
    myshopify_domain: str  #: ``{shop}.myshopify.com`` (also accepted in the Host header)
    access_token: str  #: a permanent Admin API token of the default app
    client_id: str  #: for the client-credentials exchange (``POST {shop_url}/admin/oauth/access_token``)
    client_secret: str  #: ... and the webhook HMAC key
    stop: Callable[[], None]
    server: Any = None  #: the DemoStoreServer (in-process handles only)

    def graphql_url(self, version: str = "2026-10") -> str:
        """The Admin GraphQL endpoint of the default shop."""
        return f"{self.shop_url}/admin/api/{version}/graphql.json"


def start_demo_store(**options: Any) -> DemoStoreHandle:
    """Start a demo store on a free port in a background thread (options as :func:`build_config`)."""
    from claudery_shopify.demo_store.server import DemoStoreServer

    options.setdefault("port", 0)
    server = DemoStoreServer(build_config(**options)).start()
    first = server.config.shops[0]
    return DemoStoreHandle(
        base_url=server.base_url,
        shop=first.handle,
        shop_url=server.shop_url(),
        myshopify_domain=f"{first.handle}.myshopify.com",
        access_token=first.access_token,
        client_id=first.client_id,
        client_secret=first.client_secret,
        stop=server.stop,
        server=server,
    )
