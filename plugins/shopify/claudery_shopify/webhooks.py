"""Live updates from Shopify: ``webhookSubscriptionCreate`` for the product topics, HMAC-verified deliveries.

Shopify signs each delivery with the app's client secret (``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256
of the raw body); a subscriber cannot add headers, so the hub's per-site secret is not used here. The
subscriptions ask for a thin payload (``includeFields``): the hub re-fetches products by id anyway.
Shopify *deletes* subscriptions after repeated failed deliveries, so "deactivated" shows up as missing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.contract import (
    ChangeEvent,
    ChangeKind,
    ErrorKind,
    PlatformError,
    PluginContext,
    WebhookRegistration,
    WebhookRejected,
    WebhookState,
)

from .client import ShopifyClient

#: GraphQL topic -> what the delivery means for the product
TOPICS = {"PRODUCTS_CREATE": ChangeKind.UPSERTED, "PRODUCTS_UPDATE": ChangeKind.UPSERTED,
          "PRODUCTS_DELETE": ChangeKind.DELETED}  # fmt: skip
#: ``X-Shopify-Topic`` values of those topics
HEADER_TOPICS = {"products/create": ChangeKind.UPSERTED, "products/update": ChangeKind.UPSERTED,
                 "products/delete": ChangeKind.DELETED}  # fmt: skip
MISSING_KEY_MESSAGE = (
    "Live updates need the app's client secret: Shopify signs every webhook with it. Enter the client ID "
    "and client secret of your app in Platform settings."
)

LIST = """query Subs($uri: String) {
  webhookSubscriptions(first: 50, uri: $uri) { nodes { id topic uri } }
}"""
CREATE = """mutation Subscribe($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}"""
DELETE = """mutation Unsubscribe($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}"""


def _subscriptions(client: ShopifyClient, target_url: str) -> list[dict[str, Any]]:
    result = client.query(LIST, {"uri": target_url})
    nodes = ((result.data or {}).get("webhookSubscriptions") or {}).get("nodes") or []
    return [n for n in nodes if n.get("uri") == target_url]


def register(
    credentials: Mapping[str, Any], target_url: str, secret: str, context: PluginContext
) -> WebhookRegistration:
    """Subscribe the missing product topics (listing first: Shopify refuses a duplicate address)."""
    if not credentials.get("client_secret"):
        raise PlatformError(ErrorKind.CONFIG, MISSING_KEY_MESSAGE)
    client = ShopifyClient.from_context(credentials, context)
    try:
        have = {n.get("topic") for n in _subscriptions(client, target_url)}
        for topic in TOPICS:
            if topic in have:
                continue
            sub = {"uri": target_url, "format": "JSON", "includeFields": ["id", "updated_at"]}
            data = client.query(CREATE, {"topic": topic, "sub": sub}).data or {}
            errors = (data.get("webhookSubscriptionCreate") or {}).get("userErrors") or []
            if errors:
                said = "; ".join(str(e.get("message")) for e in errors)
                raise PlatformError(ErrorKind.CONFIG, f"Shopify refused the webhook subscription: {said}.")
    finally:
        client.close()
    return WebhookRegistration(
        WebhookState.ACTIVE, f"{len(TOPICS)} Shopify webhooks deliver product changes.", 3
    )


def status(credentials: Mapping[str, Any], target_url: str, context: PluginContext) -> WebhookRegistration:
    """ACTIVE with every topic subscribed; MISSING otherwise (Shopify deletes failing subscriptions)."""
    client = ShopifyClient.from_context(credentials, context)
    try:
        have = {n.get("topic") for n in _subscriptions(client, target_url)}
    finally:
        client.close()
    if all(topic in have for topic in TOPICS):
        return WebhookRegistration(WebhookState.ACTIVE, f"{len(have)} Shopify webhooks active.", len(have))
    return WebhookRegistration(
        WebhookState.MISSING, "Shopify removed webhook subscriptions (deliveries kept failing).", len(have)
    )


def unregister(credentials: Mapping[str, Any], target_url: str, context: PluginContext) -> None:
    """Delete the app's subscriptions that deliver to ``target_url``."""
    client = ShopifyClient.from_context(credentials, context)
    try:
        for node in _subscriptions(client, target_url):
            client.query(DELETE, {"id": node["id"]})
    finally:
        client.close()


def parse(credentials: Mapping[str, Any], headers: Mapping[str, str], body: bytes) -> list[ChangeEvent]:
    """Verify ``X-Shopify-Hmac-Sha256`` in constant time, then read the product id and time."""
    key = credentials.get("client_secret")
    given = headers.get("x-shopify-hmac-sha256", "").strip()
    if not key or not given:
        raise WebhookRejected("missing HMAC header or no client secret to verify it")
    expected = base64.b64encode(hmac.new(str(key).encode(), body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise WebhookRejected("HMAC does not match")
    kind = HEADER_TOPICS.get(headers.get("x-shopify-topic", ""))
    if kind is None:
        return []
    delivery = headers.get("x-shopify-webhook-id", "")
    try:
        payload = json.loads(body)
        pid = int(payload["id"])
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("body is not a Shopify product webhook") from None
    if not delivery or pid <= 0:
        raise WebhookRejected("delivery without X-Shopify-Webhook-Id or product id")
    stamp = payload.get("updated_at") if kind is ChangeKind.UPSERTED else None
    occurred = _instant(stamp) or _instant(headers.get("x-shopify-triggered-at"))
    return [ChangeEvent(f"gid://shopify/Product/{pid}", kind, occurred, delivery)]


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None
