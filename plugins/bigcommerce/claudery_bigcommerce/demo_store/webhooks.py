"""Webhook registrations (``/v3/hooks``) and delivery of product events to local receivers."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
import urllib.request
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from claudery_bigcommerce.demo_store.formats import dumps

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
PRODUCT_EVENTS = ("created", "updated", "deleted")


def client_id_for(token: str) -> str:
    """The API account's client_id: hooks are visible only to the account that created them."""
    return "demo" + hashlib.sha1(token.encode()).hexdigest()[:27]  # noqa: S324 - an id, not security


def scope_matches(pattern: str, scope: str) -> bool:
    """True if a hook registered for ``pattern`` (e.g. ``store/product/*``) receives ``scope``."""
    if pattern.endswith("/*"):
        return scope.startswith(pattern[:-1])
    return pattern == scope


class WebhookHub:
    """Registrations of all stores, plus a background thread that POSTs events to them."""

    def __init__(self, *, require_https: bool = False, delay_ms: float = 0.0) -> None:
        self.require_https = require_https
        self.delay_ms = delay_ms
        self.hooks: dict[int, dict[str, Any]] = {}
        self._next_id = 18_000_001
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[dict, dict] | None] = queue.Queue()
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=10_000)  # bounded: tests read the recent ones
        self._thread = threading.Thread(target=self._run, name="demo-store-webhooks", daemon=True)
        self._thread.start()

    # -- registrations ------------------------------------------------------------------------------
    def validate(self, body: Any, *, partial: bool = False) -> dict[str, str]:
        """Return field errors (``{"destination": "error.path.missing."}`` style) for a hook body."""
        if not isinstance(body, dict):
            return {"body": "error.expected.jsobject"}
        errors = {}
        for key in ("scope", "destination"):
            if key not in body and not partial:
                errors[key] = "error.path.missing."
            elif key in body and not isinstance(body[key], str):
                errors[key] = "error.expected.jsstring"
        dest = body.get("destination")
        if isinstance(dest, str):
            parts = urlsplit(dest)
            if parts.scheme not in ("http", "https") or (self.require_https and parts.scheme != "https"):
                errors["destination"] = "error.destination.https_required"
            elif parts.hostname not in LOCAL_HOSTS:
                errors["destination"] = "error.destination.demo_store_delivers_to_localhost_only"
        if "headers" in body and body["headers"] is not None and not isinstance(body["headers"], dict):
            errors["headers"] = "error.expected.jsobject"
        if "is_active" in body and not isinstance(body["is_active"], bool):
            errors["is_active"] = "error.expected.jsboolean"
        return errors

    def create(self, store_hash: str, client_id: str, body: dict) -> dict[str, Any]:
        """Register a hook and return it (timestamps in unix seconds, as the spec shows)."""
        now = int(time.time())
        with self._lock:
            hook = {"id": self._next_id, "client_id": client_id, "store_hash": store_hash,
                    "scope": body["scope"], "destination": body["destination"],
                    "is_active": body.get("is_active", True), "headers": body.get("headers"),
                    "created_at": now, "updated_at": now}  # fmt: skip
            self._next_id += 1
            self.hooks[hook["id"]] = hook
        return hook

    def duplicate(self, store_hash: str, client_id: str, scope: str, destination: str) -> bool:
        """True if the account already has a hook for this scope and destination (only 1 allowed)."""
        return any(h["store_hash"] == store_hash and h["client_id"] == client_id and h["scope"] == scope
                   and h["destination"] == destination for h in self.hooks.values())  # fmt: skip

    def visible(self, store_hash: str, client_id: str) -> list[dict[str, Any]]:
        """The hooks the account may see, in id order."""
        return [
            h for h in self.hooks.values() if h["store_hash"] == store_hash and h["client_id"] == client_id
        ]

    def update(self, hook: dict[str, Any], body: dict) -> dict[str, Any]:
        """Change a hook's scope, destination, is_active or headers."""
        with self._lock:
            for key in ("scope", "destination", "is_active", "headers"):
                if key in body:
                    hook[key] = body[key]
            hook["updated_at"] = int(time.time())
        return hook

    def delete(self, hook_id: int) -> None:
        """Remove a registration."""
        with self._lock:
            self.hooks.pop(hook_id, None)

    # -- delivery -----------------------------------------------------------------------------------
    def product_event(self, store_hash: str, store_id: str, kind: str, pid: int) -> None:
        """Queue ``store/product/{kind}`` for every active matching hook of the store."""
        scope = f"store/product/{kind}"
        for hook in list(self.hooks.values()):
            if (
                hook["store_hash"] != store_hash
                or not hook["is_active"]
                or not scope_matches(hook["scope"], scope)
            ):
                continue
            data = {"type": "product", "id": pid}
            payload = {"scope": scope, "store_id": store_id, "data": data,
                       "hash": hashlib.sha1(dumps(data) + str(time.time_ns()).encode()).hexdigest(),  # noqa: S324
                       "created_at": int(time.time()), "producer": f"stores/{store_hash}"}  # fmt: skip
            self._queue.put((hook, payload))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            hook, payload = item
            if self.delay_ms:
                time.sleep(self.delay_ms / 1000)
            self._deliver(hook, payload)

    def _deliver(self, hook: dict[str, Any], payload: dict) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "BigCommerce-Webhooks (demo store)"}
        headers.update(hook.get("headers") or {})
        request = urllib.request.Request(  # noqa: S310 - http(s) to localhost only (validated)
            hook["destination"], data=dumps(payload), headers=headers, method="POST"
        )
        record: dict[str, Any] = {"hook_id": hook["id"], "scope": payload["scope"], "product_id": payload["data"]["id"],
                                  "destination": hook["destination"], "at": time.time()}  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - http(s) to localhost only
                record["status"] = resp.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except OSError as exc:
            record["status"], record["error"] = 0, type(exc).__name__
        self.deliveries.append(record)

    def pending(self) -> int:
        """Events queued but not yet delivered."""
        return self._queue.qsize()

    def close(self) -> None:
        """Stop the delivery thread after the queued events."""
        self._queue.put(None)
