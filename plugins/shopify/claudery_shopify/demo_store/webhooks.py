"""Webhook subscriptions (``webhookSubscriptionCreate/Delete``, ``webhookSubscriptions``) and deliveries.

A delivery is a POST of the REST-shaped payload with every ``X-Shopify-*`` header; ``X-Shopify-Hmac-Sha256``
is the base64 HMAC-SHA256 of the raw body keyed with the app's client secret (shopify-api.md §7.4).
Non-2xx answers are retried (same ``X-Shopify-Webhook-Id``); duplicates can be injected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import queue
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import orjson

from claudery_shopify.demo_store import formats as fmt

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TOPICS = {
    "PRODUCTS_CREATE": "products/create",
    "PRODUCTS_UPDATE": "products/update",
    "PRODUCTS_DELETE": "products/delete",
    "APP_UNINSTALLED": "app/uninstalled",
    "BULK_OPERATIONS_FINISH": "bulk_operations/finish",
}
EVENT_TOPICS = {"created": "PRODUCTS_CREATE", "updated": "PRODUCTS_UPDATE", "deleted": "PRODUCTS_DELETE"}


def sign(secret: str, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def rest_product(full: dict[str, Any]) -> dict[str, Any]:
    """A ground-truth product in the REST/webhook shape (numeric ids, comma tags, lower-case status)."""
    pid = int(full["legacyResourceId"])
    variants = [
        {
            "admin_graphql_api_id": v["id"],
            "barcode": v["barcode"],
            "compare_at_price": v["compareAtPrice"],
            "created_at": v["createdAt"],
            "id": int(v["legacyResourceId"]),
            "inventory_policy": v["inventoryPolicy"].lower(),
            "position": v["position"],
            "price": v["price"],
            "product_id": pid,
            "sku": v["sku"],
            "taxable": v["taxable"],
            "title": v["title"],
            "updated_at": v["updatedAt"],
            "inventory_quantity": v["inventoryQuantity"],
            "old_inventory_quantity": v["inventoryQuantity"],
            **{
                f"option{i + 1}": (
                    v["selectedOptions"][i]["value"] if i < len(v["selectedOptions"]) else None
                )
                for i in range(3)
            },
        }
        for v in full["variants"]
    ]
    return {
        "admin_graphql_api_id": full["id"],
        "body_html": full["descriptionHtml"],
        "created_at": full["createdAt"],
        "handle": full["handle"],
        "id": pid,
        "product_type": full["productType"],
        "published_at": full["publishedAt"],
        "template_suffix": None,
        "title": full["title"],
        "updated_at": full["updatedAt"],
        "vendor": full["vendor"],
        "status": full["status"].lower(),
        "published_scope": "web",
        "tags": ", ".join(full["tags"]),
        "variants": variants,
        "options": [
            {"name": o["name"], "position": o["position"], "values": o["values"]} for o in full["options"]
        ],
        "images": [],
        "image": None,
        "media": [
            {
                "id": int(m["id"].rsplit("/", 1)[1]),
                "admin_graphql_api_id": m["id"],
                "alt": m["alt"],
                "media_content_type": m["mediaContentType"],
                "position": i + 1,
            }
            for i, m in enumerate(full["media"])
        ],
        "variant_gids": [
            {"admin_graphql_api_id": v["id"], "updated_at": v["updatedAt"]} for v in full["variants"]
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }


class WebhookHub:
    """Subscriptions of every shop and app, plus a delivery thread."""

    def __init__(
        self,
        *,
        require_https: bool = False,
        retries: int = 2,
        retry_delay_ms: float = 200.0,
        duplicate_rate: float = 0.0,
        reorder_rate: float = 0.0,
        delay_ms: float = 0.0,
        seed: int = 1,
    ) -> None:
        self.require_https, self.retries, self.retry_delay_ms = require_https, retries, retry_delay_ms
        self.duplicate_rate, self.reorder_rate, self.delay_ms = duplicate_rate, reorder_rate, delay_ms
        self.subscriptions: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(1_420_000_001)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._queue: queue.Queue[tuple[dict, bytes, dict[str, str], int] | None] = queue.Queue()
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=10_000)
        threading.Thread(target=self._run, name="shopify-demo-webhooks", daemon=True).start()

    # -- subscriptions --------------------------------------------------------------------------------
    def create(
        self, shop: str, client_id: str, topic: str, sub: dict[str, Any], version: str, now: float
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Subscribe; return (subscription node, userErrors)."""
        uri = sub.get("uri") or sub.get("callbackUrl")
        if not uri:
            return None, [
                {"field": ["webhookSubscription", "callbackUrl"], "message": "Address can't be blank"}
            ]
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or (self.require_https and parts.scheme != "https"):
            return None, [
                {
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address protocol http:// is not supported",
                }
            ]
        if parts.hostname not in LOCAL_HOSTS:
            return None, [
                {
                    "field": ["webhookSubscription", "callbackUrl"],
                    "message": "Address must be local: the demo store delivers to this machine only",
                }
            ]
        with self._lock:
            for existing in self.subscriptions.values():
                if (existing["_shop"], existing["_client"], existing["topic"], existing["uri"]) == (
                    shop,
                    client_id,
                    topic,
                    uri,
                ):
                    return None, [
                        {
                            "field": ["webhookSubscription", "callbackUrl"],
                            "message": "Address for this topic has already been taken",
                        }
                    ]
            sid = next(self._ids)
            stamp = fmt.iso(now)
            node = {
                "__typename": "WebhookSubscription",
                "id": f"gid://shopify/WebhookSubscription/{sid}",
                "legacyResourceId": str(sid),
                "topic": topic,
                "format": sub.get("format") or "JSON",
                "uri": uri,
                "callbackUrl": uri,
                "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri},
                "includeFields": list(sub.get("includeFields") or []),
                "metafieldNamespaces": list(sub.get("metafieldNamespaces") or []),
                "filter": sub.get("filter"),
                "apiVersion": version,
                "createdAt": stamp,
                "updatedAt": stamp,
                "_shop": shop,
                "_client": client_id,
                "_sid": sid,
            }
            self.subscriptions[sid] = node
        return node, []

    def visible(self, shop: str, client_id: str) -> list[dict[str, Any]]:
        """The app's subscriptions on the shop, in id order."""
        return [s for s in self.subscriptions.values() if s["_shop"] == shop and s["_client"] == client_id]

    def delete(self, shop: str, client_id: str, gid: str) -> bool:
        """Remove one of the app's subscriptions; False if it has none with that id."""
        with self._lock:
            for sid, sub in list(self.subscriptions.items()):
                if sub["id"] == gid and sub["_shop"] == shop and sub["_client"] == client_id:
                    del self.subscriptions[sid]
                    return True
        return False

    # -- delivery -------------------------------------------------------------------------------------
    def publish(
        self,
        shop: str,
        domain: str,
        topic: str,
        payload: dict[str, Any],
        secrets: dict[str, str],
        triggered_at: float,
    ) -> None:
        """Queue ``payload`` for every subscription to ``topic`` on ``shop`` (secrets: client_id -> secret)."""
        event_id = str(uuid.uuid4())
        for sub in list(self.subscriptions.values()):
            if sub["_shop"] != shop or sub["topic"] != topic or sub["_client"] not in secrets:
                continue
            data = payload
            if sub["includeFields"] and topic != "PRODUCTS_DELETE":
                data = {k: v for k, v in payload.items() if k in sub["includeFields"]}
            body = orjson.dumps(data)
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Shopify-Captain-Hook",
                "X-Shopify-Topic": TOPICS[topic],
                "X-Shopify-Hmac-Sha256": sign(secrets[sub["_client"]], body),
                "X-Shopify-Shop-Domain": domain,
                "X-Shopify-API-Version": sub["apiVersion"],
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Event-Id": event_id,
                "X-Shopify-Triggered-At": fmt.iso(triggered_at).replace("Z", ".000Z"),
            }
            copies = 2 if self.duplicate_rate and self._rng.random() < self.duplicate_rate else 1
            for _ in range(copies):
                self._queue.put((sub, body, headers, 0))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            attempt = item[3]
            if self.delay_ms or attempt:
                time.sleep((self.delay_ms + (self.retry_delay_ms if attempt else 0)) / 1000)
            held = None
            if (
                attempt == 0
                and self.reorder_rate
                and self._queue.qsize()
                and self._rng.random() < self.reorder_rate
            ):
                held, item = item, self._queue.get()  # the next delivery overtakes this one
                if item is None:  # closing: deliver what was held, then stop
                    item, held = held, None
                    self._queue.put(None)
            for delivery in (item, held):
                if delivery is not None:
                    self._attempt(*delivery)

    def _attempt(self, sub: dict[str, Any], body: bytes, headers: dict[str, str], attempt: int) -> None:
        status = self._deliver(sub, body, headers, attempt)
        if not 200 <= status < 300 and attempt < self.retries:
            self._queue.put((sub, body, headers, attempt + 1))

    def _deliver(self, sub: dict[str, Any], body: bytes, headers: dict[str, str], attempt: int) -> int:
        request = urllib.request.Request(sub["uri"], data=body, headers=headers, method="POST")  # noqa: S310 - local only
        record: dict[str, Any] = {
            "subscription_id": sub["id"],
            "topic": headers["X-Shopify-Topic"],
            "uri": sub["uri"],
            "webhook_id": headers["X-Shopify-Webhook-Id"],
            "attempt": attempt,
            "at": time.time(),
        }
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310 - http(s) to localhost only
                record["status"] = resp.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
        except OSError as exc:
            record["status"], record["error"] = 0, type(exc).__name__
        self.deliveries.append(record)
        return record["status"]

    def pending(self) -> int:
        """Deliveries queued but not yet attempted."""
        return self._queue.qsize()

    def close(self) -> None:
        """Stop the delivery thread after the queued deliveries."""
        self._queue.put(None)
