"""The demo store as a plain function of a request: routing, auth, scopes, quota, faults, counting.

The HTTP layer (server.py) only parses sockets; everything observable is decided here, which also lets
the benchmark time the server's own work without the network.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from claudery_bigcommerce.demo_store import api, hooks_api
from claudery_bigcommerce.demo_store.catalog import Catalog
from claudery_bigcommerce.demo_store.config import (
    INFORMATION_MODIFY,
    INFORMATION_READ_ONLY,
    PRODUCTS_MODIFY,
    PRODUCTS_READ_ONLY,
    DemoStoreConfig,
)
from claudery_bigcommerce.demo_store.faults import FaultInjector
from claudery_bigcommerce.demo_store.ratelimit import RateLimiter
from claudery_bigcommerce.demo_store.responses import Response, error, gateway_error, v3_error
from claudery_bigcommerce.demo_store.webhooks import WebhookHub, client_id_for

PRODUCTS = (PRODUCTS_READ_ONLY, PRODUCTS_MODIFY)
INFORMATION = (INFORMATION_READ_ONLY, INFORMATION_MODIFY)


@dataclass
class Account:
    """A store-level API account: token, granted scopes, client_id (which owns its webhooks)."""

    access_token: str
    scopes: frozenset[str]
    client_id: str


@dataclass
class StoreState:
    """One store: its catalog, quota and accounts."""

    hash: str
    name: str
    store_id: str
    catalog: Catalog
    limiter: RateLimiter
    accounts: dict[str, Account] = field(default_factory=dict)


class DemoStoreApp:
    """All stores of one demo-store server, and the request pipeline in front of them."""

    def __init__(self, config: DemoStoreConfig) -> None:
        self.config = config
        self.faults = FaultInjector(config.faults)
        self.webhooks = WebhookHub(
            require_https=config.webhook_require_https, delay_ms=config.webhook_delay_ms
        )
        self.stores: dict[str, StoreState] = {}
        for n, sc in enumerate(config.stores):
            state = self.stores.get(sc.hash)
            if state is None:
                seed = sc.seed if sc.seed is not None else config.seed + n
                products = sc.products if sc.products is not None else config.products
                cat = Catalog(sc.hash, seed, products, cache_products=config.cache_products,
                              cache_mb=config.cache_mb, change_log_limit=config.change_log_limit)  # fmt: skip
                state = StoreState(sc.hash, sc.name, str(1_000_000 + n * 7919), cat,
                                   RateLimiter(config.quota, config.window_ms))  # fmt: skip
                cat.listeners.append(self._notifier(state))
                self.stores[sc.hash] = state
            state.accounts[sc.access_token] = Account(sc.access_token, frozenset(sc.scopes),
                                                      client_id_for(sc.access_token))  # fmt: skip
        self.counts: Counter[tuple[str, int]] = Counter()
        self._count_lock = threading.Lock()

    def _notifier(self, state: StoreState):
        def notify(kind: str, pid: int) -> None:
            self.webhooks.product_event(state.hash, state.store_id, kind, pid)

        return notify

    def count(self, endpoint: str, status: int) -> None:
        """Count one answered request (bounded: one counter per endpoint template and status)."""
        with self._count_lock:
            self.counts[(endpoint, status)] += 1

    # -- the pipeline ----------------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, Response]:
        """Answer one API request; returns (endpoint template for counting, response)."""
        parts = path.split("/")  # "", "stores", hash, "v3", ...
        if len(parts) < 5 or parts[1] != "stores" or parts[3] not in ("v2", "v3"):
            return "other", v3_error(404)
        store_hash, version, rest = parts[2], parts[3], parts[4:]
        endpoint = f"{method} /{version}/" + "/".join("{id}" if p.isdigit() else p for p in rest)
        store = self.stores.get(store_hash)
        if store is None:
            return endpoint, self._unknown_hash(version)
        token = headers.get("x-auth-token", "")
        account = store.accounts.get(token)
        if account is None:
            _, rate = store.limiter.take(consume=False)
            return endpoint, self._unauthorized(rate)
        decision = self.faults.decide()
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.action == "drop":
            return endpoint, Response(0, drop=True)
        if decision.action == "bare429":
            return endpoint, Response(429, error(version, 429).body, rate_headers=False)
        allowed, rate = store.limiter.take()
        if not allowed:
            resp = error(version, 429)
        elif decision.action == "error":
            resp = gateway_error(decision.status)
        else:
            resp = self._route(store, account, version, method, rest, query, headers, body)
        resp.headers.update(rate)
        resp.slow_ms = decision.slow_ms
        return endpoint, resp

    def _unknown_hash(self, version: str) -> Response:
        status = self.config.unknown_hash_status
        if status == 401:
            return self._unauthorized({})
        if status == 403:
            return error(
                version, 403, "Unauthorized Access. You do not have permission to make this request."
            )
        return error(version, status)

    def _unauthorized(self, rate: dict[str, str]) -> Response:
        if self.config.unauthorized_body == "text":
            resp = Response(401, b"Unauthorized", content_type="text/plain")
        else:
            resp = v3_error(401)
        resp.headers.update(rate)
        return resp

    def _route(self, store: StoreState, account: Account, version: str, method: str, rest: list[str],
               query: str, headers: dict[str, str], body: bytes) -> Response:  # fmt: skip
        cfg = self.config
        if rest and rest[-1] == "" and cfg.trailing_slash_403:
            return v3_error(
                403, "Authentication Required", type_="https://developer.bigcommerce.com/api#api-status-codes"
            )
        accept = headers.get("accept", "")
        if accept and not any(t in accept for t in ("application/json", "*/*", "application/*")):
            return error(version, 406)
        params = dict(parse_qsl(query, keep_blank_values=True))
        req = api.Request(self, store, account, method, rest, params, query, body)
        if version == "v2":
            if rest not in (["store"], ["time"]):
                return error("v2", 404)
            if method != "GET":
                return error("v2", 405)
            if not account.scopes & set(INFORMATION):
                return error("v2", 403, "You don't have a required scope to access the endpoint")
            return api.v2_store(req) if rest == ["store"] else api.v2_time(req)
        if rest and rest[0] == "hooks":
            return hooks_api.handle(req)
        if len(rest) < 2 or rest[0] != "catalog":
            return v3_error(404)
        if not account.scopes & set(PRODUCTS):
            return v3_error(403)
        if method != "GET":
            return v3_error(405)
        return self._catalog(req, rest[1:])

    def _catalog(self, req: api.Request, rest: list[str]) -> Response:
        tax = req.store.catalog.taxonomy
        ids = [int(p) if p.isdigit() else None for p in rest]
        match rest:
            case ["summary"]:
                return api.summary(req)
            case ["products"]:
                return api.list_products(req)
            case ["products", _] if ids[1] is not None:
                return api.get_product(req, ids[1])
            case ["products", _, "variants" | "images" | "custom-fields" as sub] if ids[1] is not None:
                return api.product_subresource(req, ids[1], sub, None)
            case ["products", _, "variants" | "images" | "custom-fields" as sub, _] if None not in (
                ids[1],
                ids[3],
            ):
                return api.product_subresource(req, ids[1], sub, ids[3])
            case ["categories"]:
                return api.list_taxonomy(req, tax.categories, ("name", "id", "parent_id", "sort_order"))
            case ["categories", _] if ids[1] is not None:
                return api.get_by_id(req, tax.categories, ids[1])
            case ["trees"] if req.app.config.category_trees:
                return api.list_trees(req)
            case ["trees", "categories"] if req.app.config.category_trees:
                return api.list_tree_categories(req, tax.categories)
            case ["brands"]:
                return api.list_taxonomy(req, tax.brands, ("name",))
            case ["brands", _] if ids[1] is not None:
                return api.get_by_id(req, tax.brands, ids[1])
        return v3_error(404)
