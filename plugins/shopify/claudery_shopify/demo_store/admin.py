"""Admin endpoints under ``/__demo/``: ground truth, catalog edits and events, request and cost counts,
run-time faults, latency, clock, buckets and shop states, webhook deliveries.

They need no token and are neither throttled, faulted nor counted: they are the test's view of the
demo store, not part of the emulated API.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson

from claudery_shopify.demo_store.config import SHOP_STATES
from claudery_shopify.demo_store.responses import Response, json_response

if TYPE_CHECKING:
    from claudery_shopify.demo_store.app import DemoStoreApp
    from claudery_shopify.demo_store.shops import ShopState


def _error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def handle(app: DemoStoreApp, method: str, path: str, query: str, body: bytes) -> Response:
    """Answer one ``/__demo/...`` request."""
    parts = [p for p in path.split("/")[2:] if p]
    params = dict(parse_qsl(query))
    try:
        payload = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return _error(400, "body is not JSON")
    try:
        return _route(app, method, parts, params, payload)
    except (ValueError, TypeError) as exc:
        return _error(422, str(exc))


def _route(app: DemoStoreApp, method: str, parts: list[str], params: dict, payload: Any) -> Response:
    match method, parts:
        case "GET", ["health"]:
            return json_response(200, {"ok": True, "shops": list(app.shops)})
        case "GET", ["config"]:
            return json_response(200, app.config.to_dict())
        case "GET", ["requests"]:
            return json_response(200, _counts(app))
        case "DELETE", ["requests"]:
            with app._count_lock:
                app.counts.clear()
                app.costs.clear()
            return json_response(200, _counts(app))
        case "GET", ["faults"]:
            return json_response(200, asdict(app.faults.config))
        case "PUT", ["faults"]:
            return json_response(200, asdict(app.faults.update(_object(payload))))
        case "PUT", ["latency"]:
            body = _object(payload)
            return json_response(
                200, asdict(app.faults.update({k: body[k] for k in ("latency_ms", "jitter_ms") if k in body}))
            )
        case "GET", ["clock"]:
            return json_response(200, _clock(app))
        case "PUT", ["clock"]:
            body = _object(payload)
            if "time_scale" in body:
                app.clock.set_scale(float(body["time_scale"]))
            if "advance_s" in body:
                app.clock.advance(float(body["advance_s"]))
            return json_response(200, _clock(app))
        case "PUT", ["bucket"]:
            body = _object(payload)
            for shop in _targets(app, body.get("shop")):
                for install in shop.installs.values():
                    install.bucket.configure(body.get("size"), body.get("restore"))
            return json_response(200, _buckets(app))
        case "GET", ["bucket"]:
            return json_response(200, _buckets(app))
        case "POST", ["bucket", "reset"]:
            for shop in app.shops.values():
                for install in shop.installs.values():
                    install.bucket.configure()
            return json_response(200, _buckets(app))
        case "GET", ["webhooks", "deliveries"]:
            return json_response(
                200, {"data": list(app.webhooks.deliveries), "pending": app.webhooks.pending()}
            )
        case "GET", ["webhooks", "subscriptions"]:
            subs = [
                {k: v for k, v in s.items() if not k.startswith("_") and k != "endpoint"}
                | {"shop": s["_shop"]}
                for s in app.webhooks.subscriptions.values()
            ]
            return json_response(200, {"data": subs})
        case _, ["shops", handle, *rest]:
            shop = app.shops.get(handle)
            if shop is None:
                return _error(404, f"no demo shop {handle!r}")
            return _shop(app, shop, method, rest, params, payload)
    return _error(404, "unknown admin endpoint")


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise TypeError("body must be a JSON object")
    return payload


def _targets(app: DemoStoreApp, handle: str | None) -> list[ShopState]:
    if handle is None:
        return list(app.shops.values())
    if handle not in app.shops:
        raise ValueError(f"no demo shop {handle!r}")
    return [app.shops[handle]]


def _counts(app: DemoStoreApp) -> dict[str, Any]:
    rows = [
        {"operation": op, "status": status, "code": code, "count": n}
        for (op, status, code), n in sorted(app.counts.items())
    ]
    costs = [
        {"operation": op, "requested": r, "actual": a, "requests": n}
        for op, (r, a, n) in sorted(app.costs.items())
    ]
    return {"data": rows, "costs": costs, "total": sum(app.counts.values())}


def _clock(app: DemoStoreApp) -> dict[str, float]:
    return {"monotonic": app.clock.monotonic(), "time": app.clock.time(), "time_scale": app.clock.scale}


def _buckets(app: DemoStoreApp) -> dict[str, Any]:
    return {
        "data": [
            {"shop": shop.handle, "client_id": cid, **i.bucket.status(i.bucket.available())}
            for shop in app.shops.values()
            for cid, i in shop.installs.items()
        ]
    }


def _pid(text: str) -> int:
    number = text.rsplit("/", 1)[-1]
    if not number.isdigit():
        raise ValueError(f"not a product id: {text!r}")
    return int(number)


def _shop(
    app: DemoStoreApp, shop: ShopState, method: str, rest: list[str], params: dict, payload: Any
) -> Response:
    cat = shop.catalog
    match method, rest:
        case "GET", ["catalog"]:
            return Response(200, cat.ground_truth())
        case "GET", ["ids"]:
            with cat.lock:
                ids = list(cat.ids)
            return json_response(200, {"data": [f"gid://shopify/Product/{i}" for i in ids]})
        case "GET", ["events"]:
            since = int(params.get("since", 0))
            rows = [e.to_dict() for e in list(cat.events) if e.seq > since]
            return json_response(200, {"data": rows, "last_seq": rows[-1]["seq"] if rows else since})
        case "PUT", ["state"]:
            state = _object(payload).get("state")
            if state not in SHOP_STATES:
                raise ValueError(f"state must be one of {', '.join(SHOP_STATES)}")
            shop.state = state
            return json_response(200, {"shop": shop.handle, "state": shop.state})
        case "POST", ["products"]:
            core = cat.create(_object(payload))
            return json_response(201, {"data": cat.full_product(core)})
        case "GET", ["products", pid]:
            core = cat.core(_pid(pid))
            return (
                json_response(200, {"data": cat.full_product(core)})
                if core
                else _error(404, "no such product")
            )
        case "PUT", ["products", pid]:
            try:
                core = cat.update(_pid(pid), _object(payload))
            except KeyError:
                return _error(404, "no such product")
            return json_response(200, {"data": cat.full_product(core)})
        case "DELETE", ["products", pid]:
            try:
                cat.delete(_pid(pid))
            except KeyError:
                return _error(404, "no such product")
            return json_response(200, {"data": {"id": f"gid://shopify/Product/{_pid(pid)}"}})
    return _error(404, "unknown admin endpoint")
