"""The demo store as a plain function of a request: shop routing, versions, auth, faults, cost, counting.

The HTTP layer (server.py) only parses sockets; everything observable is decided here, which also lets
the benchmark time the server's own work without the network.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from typing import Any

import orjson
from graphql import DocumentNode, FieldNode, OperationDefinitionNode, SelectionSetNode, execute_sync

from claudery_shopify.demo_store import errors as err
from claudery_shopify.demo_store import formats as fmt
from claudery_shopify.demo_store import generator as gen
from claudery_shopify.demo_store.bulk import BulkManager
from claudery_shopify.demo_store.catalog import Catalog
from claudery_shopify.demo_store.config import PLANS, DemoStoreConfig, ShopConfig
from claudery_shopify.demo_store.executor import INTROSPECTION, Execution
from claudery_shopify.demo_store.faults import FaultInjector
from claudery_shopify.demo_store.ratelimit import Clock, LeakyBucket
from claudery_shopify.demo_store.responses import Response, errors_string, json_response
from claudery_shopify.demo_store.root import RequestInfo, mutation_root, query_root
from claudery_shopify.demo_store.service import GraphQLService, Prepared
from claudery_shopify.demo_store.shops import (
    AppInstall,
    ShopState,
    authenticate,
    expand_scopes,
    token_exchange,
)
from claudery_shopify.demo_store.webhooks import EVENT_TOPICS, WebhookHub, rest_product

_GRAPHQL_PATH = re.compile(r"/admin/api/([^/]+)/graphql\.json")
_BULK_PATH = re.compile(r"/__bulk/([A-Za-z0-9_-]+)/bulk-(\d+)\.jsonl")
INVENTORY_FIELDS = {
    ("Product", "totalInventory"): "read_inventory",
    ("ProductVariant", "inventoryQuantity"): "read_inventory",
}


class DemoStoreApp:
    """All shops of one demo-store server and the request pipeline in front of them."""

    def __init__(self, config: DemoStoreConfig, clock: Clock | None = None) -> None:
        config.validate()
        self.config = config
        self.clock = clock or Clock(config.time_scale)  #: injectable: tests may drive time themselves
        self.faults = FaultInjector(config.faults)
        self.service = GraphQLService()
        self.webhooks = WebhookHub(
            require_https=config.webhook_require_https,
            retries=config.webhook_retries,
            retry_delay_ms=config.webhook_retry_delay_ms,
            duplicate_rate=config.webhook_duplicate_rate,
            reorder_rate=config.webhook_reorder_rate,
            delay_ms=config.webhook_delay_ms,
        )
        self.bulk = BulkManager(
            self.service.schema,
            polls=config.bulk_polls,
            seconds=config.bulk_seconds,
            concurrency=config.bulk_concurrency,
            now=self.clock.time,
        )
        self.bulk.on_finish = self._bulk_finished
        self.base_url = "http://127.0.0.1"  #: set by the server once bound (bulk file URLs)
        self.shops: dict[str, ShopState] = {}
        for n, sc in enumerate(config.shops):
            self._add_install(n, sc)
        self.counts: Counter[tuple[str, int, str]] = Counter()
        self.costs: dict[str, list[int]] = {}
        self._count_lock = threading.Lock()

    def _add_install(self, n: int, sc: ShopConfig) -> None:
        shop = self.shops.get(sc.handle)
        if shop is None:
            seed = sc.seed if sc.seed is not None else self.config.seed + n
            products = sc.products if sc.products is not None else self.config.products
            env = gen.Env(
                seed,
                f"{sc.handle}.myshopify.com",
                sc.currency,
                gen.make_collections(seed, products),
                self.faults.malformed_kind,
            )
            cat = Catalog(
                sc.handle,
                seed,
                products,
                env=env,
                now=self.clock.time,
                max_variants=self.config.max_variants,
                max_media=self.config.max_media,
                cache_products=self.config.cache_products,
                event_log_limit=self.config.event_log_limit,
            )
            shop = ShopState(
                sc.handle, sc.name, sc.plan, sc.state, sc.currency, 60_000_000_000 + n * 7919, cat
            )
            cat.listeners.append(self._notifier(shop))
            self.shops[sc.handle] = shop
        size, restore = PLANS[shop.plan]
        bucket = LeakyBucket(self.config.bucket_size or size, self.config.restore_rate or restore, self.clock)
        install = AppInstall(
            sc.client_id,
            sc.client_secret,
            tuple(sc.scopes),
            expand_scopes(tuple(sc.scopes)),
            bucket,
            90_000_000 + n,
        )
        shop.installs.setdefault(sc.client_id, install)
        shop.tokens[sc.access_token] = (shop.installs[sc.client_id], None)

    # -- webhooks -------------------------------------------------------------------------------------
    def _secrets(self, shop: ShopState) -> dict[str, str]:
        return {cid: app.client_secret for cid, app in shop.installs.items()}

    def _notifier(self, shop: ShopState):
        def notify(kind: str, before: gen.Core | None, after: gen.Core | None) -> None:
            topic = EVENT_TOPICS[kind]
            if not any(
                s["_shop"] == shop.handle and s["topic"] == topic
                for s in self.webhooks.subscriptions.values()
            ):
                return  # building a payload costs: only when someone listens
            if after is None:
                assert before is not None
                payload: dict[str, Any] = {"id": before.id}
            else:
                payload = rest_product(shop.catalog.full_product(after))
            self.webhooks.publish(
                shop.handle, shop.domain, topic, payload, self._secrets(shop), self.clock.time()
            )

        return notify

    def _bulk_finished(self, op: Any) -> None:
        shop = self.shops.get(op.owner[0])
        if shop is None:
            return
        payload = {
            "admin_graphql_api_id": op.gid,
            "completed_at": fmt.iso(op.completed or 0),
            "created_at": fmt.iso(op.created),
            "error_code": op.error_code and op.error_code.lower(),
            "status": op.status.lower(),
            "type": "query",
        }
        secret = shop.installs[op.owner[1]].client_secret
        self.webhooks.publish(
            shop.handle,
            shop.domain,
            "BULK_OPERATIONS_FINISH",
            payload,
            {op.owner[1]: secret},
            self.clock.time(),
        )

    # -- counting -------------------------------------------------------------------------------------
    def count(self, label: str, status: int, code: str = "", requested: int = 0, actual: int = 0) -> None:
        """Count one answered request and its cost (bounded: one counter per operation, status, code)."""
        with self._count_lock:
            self.counts[(label, status, code)] += 1
            totals = self.costs.setdefault(label, [0, 0, 0])
            totals[0] += requested
            totals[1] += actual
            totals[2] += 1

    # -- the pipeline ---------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one request to the emulated API (shop by ``/shops/{handle}`` prefix or by Host header)."""
        if path.startswith("/__bulk/"):
            return self._bulk_file(path)
        handle, rest = None, path
        if path.startswith("/shops/"):
            parts = path.split("/", 3)
            handle, rest = parts[2], "/" + (parts[3] if len(parts) > 3 else "")
        else:
            host = headers.get("host", "").split(":")[0].lower()
            if host.endswith(".myshopify.com"):
                handle = host[: -len(".myshopify.com")]
        request_id = str(uuid.uuid4())
        resp = self._route(self.shops.get(handle or ""), method, rest, headers, body, request_id)
        resp.headers.setdefault("X-Request-Id", request_id)
        return resp

    def _not_found(self) -> Response:
        if self.config.unknown_shop_body == "html":
            return Response(404, err.UNKNOWN_SHOP_HTML, content_type="text/html; charset=utf-8")
        return errors_string(404, "Not Found")

    def _route(
        self,
        shop: ShopState | None,
        method: str,
        rest: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Response:
        if shop is None:
            self.count("unknown shop", 404)
            return self._not_found()
        if rest == "/admin/oauth/access_token":
            resp = token_exchange(self, shop, method, headers, body)
            self.count("POST /admin/oauth/access_token", resp.status)
            return resp
        if rest == "/admin/oauth/access_scopes.json":
            install = authenticate(shop, headers, self.clock.time())
            resp = (
                json_response(200, {"access_scopes": [{"handle": s} for s in install.granted]})
                if install
                else errors_string(401, err.INVALID_TOKEN)
            )
            self.count("GET /admin/oauth/access_scopes.json", resp.status)
            return resp
        match = _GRAPHQL_PATH.fullmatch(rest)
        if match is None:
            self.count("other", 404)
            return errors_string(404, "Not Found")
        version = self._version(match.group(1))
        if version is None:
            self.count("graphql", 404, "version")
            return errors_string(404, "Not Found")
        resp = self._graphql(shop, version, method, headers, body, request_id)
        resp.headers["X-Shopify-API-Version"] = version
        return resp

    def _version(self, requested: str) -> str | None:
        """The version served: the requested one, the oldest supported (fall forward), or None (404)."""
        if requested == "unstable":
            return requested
        supported = sorted(self.config.supported_versions)
        if requested in supported:
            return requested
        release = re.fullmatch(r"\d{4}-(01|04|07|10)", requested) is not None
        if release and requested < supported[0]:
            return supported[0]  # retired: documented fall-forward
        return supported[0] if self.config.invalid_version == "fall_forward" else None

    def _graphql(
        self,
        shop: ShopState,
        version: str,
        method: str,
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> Response:
        install = authenticate(shop, headers, self.clock.time())
        if install is None:
            self.count("graphql", 401)
            return errors_string(401, err.INVALID_TOKEN)
        if shop.state == "frozen":
            self.count("graphql", 402)
            return errors_string(402, "Unavailable Shop")
        if shop.state == "locked":
            self.count("graphql", 423)
            return errors_string(423, self.config.locked_body)
        if method != "POST":
            self.count("graphql", 405)
            return errors_string(405, "Method Not Allowed")
        decision = self.faults.decide()
        if decision.delay_s:
            time.sleep(decision.delay_s)
        if decision.action == "drop":
            self.count("graphql", 0, "dropped")
            return Response(0, drop=True)
        if decision.action == "429":
            self.count("graphql", 429)
            return Response(
                429,
                orjson.dumps(
                    {
                        "errors": "Exceeded 2 calls per second for api client. Reduce request "
                        "rates to resume uninterrupted service."
                    }
                ),
                {"Retry-After": f"{self.faults.config.retry_after_s:.1f}"},
            )
        if decision.action in ("error", "timeout"):
            status = decision.status if decision.action == "error" else 504
            self.count("graphql", status, "injected")
            delay = self.faults.config.timeout_ms / 1000 if decision.action == "timeout" else 0.0
            return Response(
                status,
                err.html_error_page(status, request_id),
                content_type="text/html; charset=utf-8",
                delay_s=delay,
            )
        payload = self._payload(headers, body)
        if isinstance(payload, Response):
            self.count("graphql", payload.status, "bad body")
            return payload
        prepared = self.service.prepare(
            payload.get("query") or "", payload.get("operationName"), payload.get("variables")
        )
        if isinstance(prepared, list):
            code = prepared[0]["extensions"].get("code", "")
            self.count("graphql", 200, str(code))
            return json_response(200, {"errors": prepared})
        return self._execute(shop, install, version, prepared, decision.action, request_id)

    def _payload(self, headers: dict[str, str], body: bytes) -> dict[str, Any] | Response:
        missing = json_response(400, {"errors": {"query": "Required parameter missing or invalid"}})
        if "application/graphql" in headers.get("content-type", ""):
            return {"query": body.decode("utf-8", "replace")}
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return missing
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not payload["query"].strip()
        ):
            return missing
        return payload

    def _execute(
        self,
        shop: ShopState,
        install: AppInstall,
        version: str,
        prepared: Prepared,
        action: str,
        request_id: str,
    ) -> Response:
        cfg = self.config
        document = prepared.document
        source = document.doc.loc.source if document.doc is not None and document.doc.loc else None
        field_scopes = INVENTORY_FIELDS if cfg.inventory_requires_read_inventory else {}
        execution = Execution(
            source,
            prepared.variables,
            scopes=install.scopes,
            field_scopes=field_scopes,
            linear=cfg.cost_formula == "linear",
        )
        mutation = prepared.kind == "mutation"
        root_name = "Mutation" if mutation else "QueryRoot"
        requested = 10 * len(prepared.plans) if mutation else execution.requested({root_name: prepared.plans})
        label = prepared.label
        if requested > cfg.max_query_cost:
            self.count(label, 200, "MAX_COST_EXCEEDED", requested)
            return json_response(200, {"errors": [err.max_cost_exceeded(requested, cfg.max_query_cost)]})
        bucket = install.bucket
        admitted, available = bucket.reserve(requested) if cfg.throttle else (True, bucket.available())
        if action == "throttle" or not admitted:
            if admitted:
                available = bucket.settle(requested, 0)
            cost = {
                "requestedQueryCost": requested,
                "actualQueryCost": None,
                "throttleStatus": bucket.status(available),
            }
            self.count(label, 200, "THROTTLED", requested)
            return json_response(200, {"errors": [err.throttled()], "extensions": {"cost": cost}})
        if action == "internal":
            available = bucket.settle(requested, 0) if cfg.throttle else available
            self.count(label, 200, "INTERNAL_SERVER_ERROR", requested)
            return json_response(200, {"errors": [err.internal_error(request_id)]})
        info = RequestInfo(version)
        build = mutation_root if mutation else query_root
        root = build(self, shop, install, info, execution)
        if any(p.kind == INTROSPECTION for p in prepared.plans):
            root.update(self._introspection(prepared))
        data, actual = execution.run(root, prepared.plans, root_name, ())
        if mutation:
            actual = requested
        actual = min(actual, requested)
        available = bucket.settle(requested, actual) if cfg.throttle else bucket.available()
        out: dict[str, Any] = {}
        if execution.errors:
            out["errors"] = execution.errors
        out["data"] = data
        extensions: dict[str, Any] = {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": bucket.status(available),
            }
        }
        if info.search_warnings:
            extensions["search"] = info.search_warnings
        out["extensions"] = extensions
        code = execution.errors[0]["extensions"].get("code", "") if execution.errors else ""
        self.count(label, 200, str(code), requested, actual)
        resp = Response(200, orjson.dumps(out))
        for _ in range(info.products_pages):
            self.faults.after_products_page(shop.catalog)
        return resp

    def _introspection(self, prepared: Prepared) -> dict[str, Any]:
        """``__schema`` / ``__type`` answers (by response key), from graphql-core's own executor."""
        # only the introspection fields: the others are ours (and would be null to graphql-core)
        keep = tuple(
            s
            for s in prepared.operation.selection_set.selections
            if isinstance(s, FieldNode) and s.name.value in ("__schema", "__type")
        )
        op = prepared.operation
        operation = OperationDefinitionNode(operation=op.operation, name=op.name, directives=op.directives,
                                            variable_definitions=op.variable_definitions,
                                            selection_set=SelectionSetNode(selections=keep))  # fmt: skip
        document = DocumentNode(definitions=(operation, *prepared.document.fragments.values()))
        result = execute_sync(self.service.schema, document, variable_values=prepared.variables)
        data = result.data or {}
        return {p.key: data.get(p.key) for p in prepared.plans if p.kind == INTROSPECTION}

    def _bulk_file(self, path: str) -> Response:
        match = _BULK_PATH.fullmatch(path)
        file_path = self.bulk.file_path(match.group(1), int(match.group(2))) if match else None
        if file_path is None:
            return Response(
                403,
                b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code></Error>",
                content_type="application/xml",
            )

        def chunks():
            with open(file_path, "rb") as fh:
                while chunk := fh.read(256 * 1024):
                    yield chunk

        return Response(200, chunks(), content_type="application/jsonl")
