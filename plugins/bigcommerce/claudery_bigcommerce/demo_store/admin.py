"""Admin endpoints under ``/__demo/``: ground truth, catalog edits, request counts, run-time settings.

They need no token and are neither rate limited, faulted nor counted: they are the test's view of the
store, not part of the emulated API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from claudery_bigcommerce.demo_store.formats import dumps, loads
from claudery_bigcommerce.demo_store.responses import Response, v3_error

if TYPE_CHECKING:
    from claudery_bigcommerce.demo_store.app import DemoStoreApp


def _json(data: Any, status: int = 200) -> Response:
    return Response(status, dumps(data))


def handle(app: DemoStoreApp, method: str, path: str, query: str, body: bytes) -> Response:
    """Answer one ``/__demo/...`` request."""
    parts = [p for p in path.split("/")[2:] if p]
    params = dict(parse_qsl(query))
    try:
        payload = loads(body) if body else {}
    except ValueError:
        return v3_error(400, "Syntax error", errors={})
    try:
        return _route(app, method, parts, params, payload)
    except (ValueError, TypeError) as exc:
        return v3_error(422, str(exc), errors={})


def _route(app: DemoStoreApp, method: str, parts: list[str], params: dict, payload: Any) -> Response:
    match method, parts:
        case "GET", ["health"]:
            return _json({"ok": True, "stores": list(app.stores)})
        case "GET", ["config"]:
            return _json(app.config.to_dict())
        case "GET", ["requests"]:
            rows = [{"endpoint": e, "status": s, "count": n} for (e, s), n in sorted(app.counts.items())]
            return _json({"data": rows, "total": sum(app.counts.values())})
        case "DELETE", ["requests"]:
            with app._count_lock:
                app.counts.clear()
            return _json({"data": [], "total": 0})
        case "GET", ["faults"]:
            return _json(_faults(app))
        case "PUT", ["faults"]:
            app.faults.update(payload)
            return _json(_faults(app))
        case "PUT", ["latency"]:
            app.faults.update({k: payload[k] for k in ("latency_ms", "jitter_ms") if k in payload})
            return _json(_faults(app))
        case "PUT", ["quota"]:
            targets = (
                [app.stores[payload["store_hash"]]] if payload.get("store_hash") else app.stores.values()
            )
            for store in targets:
                store.limiter.configure(payload.get("quota"), payload.get("window_ms"))
            return _json({"quota": [{"store_hash": s.hash, "quota": s.limiter.quota, "window_ms": s.limiter.window_ms}
                                    for s in app.stores.values()]})  # fmt: skip
        case "POST", ["quota", "reset"]:
            for store in app.stores.values():
                store.limiter.reset()
            return _json({"ok": True})
        case "GET", ["webhooks", "deliveries"]:
            return _json({"data": list(app.webhooks.deliveries), "pending": app.webhooks.pending()})
        case _, ["stores", store_hash, *rest]:
            store = app.stores.get(store_hash)
            if store is None:
                return v3_error(404, f"No demo store {store_hash!r}")
            return _store(store, method, rest, params, payload)
    return v3_error(404)


def _faults(app: DemoStoreApp) -> dict:
    from dataclasses import asdict

    return asdict(app.faults.config)


def _store(store: Any, method: str, rest: list[str], params: dict, payload: Any) -> Response:
    cat = store.catalog
    match method, rest:
        case "GET", ["catalog"]:
            return Response(200, cat.ground_truth())
        case "GET", ["changes"]:
            since = int(params.get("since", 0))
            rows = [c.to_dict() for c in list(cat.changes) if c.seq > since]
            return _json({"data": rows, "meta": {"last_seq": rows[-1]["seq"] if rows else since,
                                                 "version": cat.version}})  # fmt: skip
        case "POST", ["products"]:
            if not isinstance(payload, dict):
                raise TypeError("body must be a JSON object")
            pid = cat.create(payload)
            return _json({"data": cat.full_product(pid)}, 201)
        case "GET", ["products", pid] if pid.isdigit() and cat.exists(int(pid)):
            return _json({"data": cat.full_product(int(pid))})
        case "PUT", ["products", pid] if pid.isdigit():
            if not isinstance(payload, dict):
                raise TypeError("body must be a JSON object")
            try:
                cat.update(int(pid), payload)
            except KeyError:
                return v3_error(404)
            return _json({"data": cat.full_product(int(pid))})
        case "DELETE", ["products", pid] if pid.isdigit():
            try:
                cat.delete(int(pid))
            except KeyError:
                return v3_error(404)
            return _json({"data": {"id": int(pid)}})
        case "GET", ["ids"]:
            return _json({"data": cat.ids})
        case "POST", ["warm"]:
            return _json({"data": cat.warm()})
    return v3_error(404)
