"""Live updates from BigCommerce: ``/v3/hooks`` subscriptions and the authentication of their deliveries.

A delivery is authentic when it carries the per-site secret the hub set as a custom header on the hook
(the documented way to secure a destination). When the delivery is also signed per Standard Webhooks
(``webhook-id``/``webhook-timestamp``/``webhook-signature``, keyed with the API account's client secret)
and the merchant gave the client secret, the signature must verify too and its timestamp be recent.
The payload is only a pointer (``data.id``): the hub re-fetches products by id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import requests

from hub.contract import (
    ChangeEvent,
    ChangeKind,
    PluginContext,
    WebhookRegistration,
    WebhookRejected,
    WebhookState,
)

from .client import BigCommerceClient
from .errors import classify_exception, classify_status, error_detail, parse_json
from .scopes import PRODUCTS_READ

#: the header the hub's secret travels in (BigCommerce sends a hook's ``headers`` with every callback)
SECRET_HEADER = "X-Claudery-Hub-Secret"  # noqa: S105 - a header name, not a secret
#: product and variant (SKU) events: created/updated/deleted, inventory, metafields
SCOPES = ("store/product/*", "store/sku/*")
#: Standard Webhooks: signatures older or newer than this are refused (replays)
SIGNATURE_TOLERANCE_SECONDS = 300


def _call(client: BigCommerceClient, method: str, path: str, body: Any = None, params: Any = None) -> Any:
    """One write (or read) against ``/v3/hooks``; a PlatformError for anything but 2xx. No retries: the
    hub checks the hooks again periodically."""
    timeout = (client.settings.connect_timeout, client.settings.read_timeout)
    try:
        resp = client.session.request(
            method, client.url(path), json=body, params=params, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise classify_exception(exc, host=client.host, timeout=client.settings.read_timeout) from None
    if 200 <= resp.status_code < 300:
        return parse_json(resp.content) if resp.content else None
    detail = error_detail(parse_json(resp.content), resp.text[:1000], secrets=(client._token,))
    raise classify_status(resp.status_code, detail, scope=PRODUCTS_READ, store_hash=client.store_hash)


def _hooks(client: BigCommerceClient, target_url: str) -> list[dict[str, Any]]:
    """The account's hooks delivering to ``target_url`` (hooks are per API account)."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = _call(
            client, "GET", "/v3/hooks", params={"destination": target_url, "page": page, "limit": 250}
        )
        items = (body or {}).get("data") or []
        found.extend(h for h in items if h.get("destination") == target_url)
        pagination = ((body or {}).get("meta") or {}).get("pagination") or {}
        if len(items) < 250 or page >= int(pagination.get("total_pages") or 1):
            return found
        page += 1


def register(
    credentials: Mapping[str, Any], target_url: str, secret: str, context: PluginContext
) -> WebhookRegistration:
    """Create the hooks for :data:`SCOPES`, or re-enable them with the current secret; idempotent."""
    client = BigCommerceClient.from_context(credentials, context)
    try:
        existing = {h.get("scope"): h for h in _hooks(client, target_url)}
        body = {"destination": target_url, "is_active": True, "headers": {SECRET_HEADER: secret}}
        for scope in SCOPES:
            hook = existing.get(scope)
            if hook is None:
                _call(client, "POST", "/v3/hooks", {"scope": scope, **body})
            else:
                _call(client, "PUT", f"/v3/hooks/{int(hook['id'])}", body)
    finally:
        client.close()
    return WebhookRegistration(
        WebhookState.ACTIVE, f"{len(SCOPES)} BigCommerce webhooks deliver product changes.", len(SCOPES)
    )


def status(credentials: Mapping[str, Any], target_url: str, context: PluginContext) -> WebhookRegistration:
    """ACTIVE when every scope has an active hook to ``target_url``; DEACTIVATED when one is disabled."""
    client = BigCommerceClient.from_context(credentials, context)
    try:
        hooks = _hooks(client, target_url)
    finally:
        client.close()
    if not hooks:
        return WebhookRegistration(WebhookState.MISSING, "No BigCommerce webhook delivers to the hub.")
    active = {h.get("scope") for h in hooks if h.get("is_active")}
    if all(scope in active for scope in SCOPES):
        return WebhookRegistration(
            WebhookState.ACTIVE, f"{len(hooks)} BigCommerce webhooks active.", len(hooks)
        )
    return WebhookRegistration(
        WebhookState.DEACTIVATED,
        "BigCommerce deactivated the webhooks (deliveries kept failing); the hub registers them again.",
        len(hooks),
    )


def unregister(credentials: Mapping[str, Any], target_url: str, context: PluginContext) -> None:
    """Delete the account's hooks delivering to ``target_url``."""
    client = BigCommerceClient.from_context(credentials, context)
    try:
        for hook in _hooks(client, target_url):
            _call(client, "DELETE", f"/v3/hooks/{int(hook['id'])}")
    finally:
        client.close()


def _verify_signature(headers: Mapping[str, str], body: bytes, client_secret: str, now: float) -> None:
    """Standard Webhooks: HMAC-SHA256 over ``{id}.{timestamp}.{body}``, keyed with the client secret."""
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not stamp.isdigit():
        raise WebhookRejected("signed delivery without webhook-id or webhook-timestamp")
    if abs(now - int(stamp)) > SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRejected("signature timestamp outside the tolerance (a replay?)")
    signed = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(client_secret.encode(), signed, hashlib.sha256).digest()).decode()
    for candidate in headers.get("webhook-signature", "").split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise WebhookRejected("Standard Webhooks signature does not match")


def parse(
    credentials: Mapping[str, Any],
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    now: float | None = None,
) -> list[ChangeEvent]:
    """Authenticate a delivery and return its product change (or none, for other resources)."""
    given = headers.get(SECRET_HEADER.lower(), "")
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise WebhookRejected("missing or wrong secret header")
    client_secret = credentials.get("client_secret")
    if headers.get("webhook-signature") and client_secret:
        _verify_signature(headers, body, str(client_secret), time.time() if now is None else now)
    try:
        payload = json.loads(body)
        scope, data = str(payload["scope"]), payload.get("data") or {}
    except (ValueError, KeyError, TypeError):
        raise WebhookRejected("body is not a BigCommerce webhook payload") from None
    product_id = _product_id(scope, data)
    if product_id is None:
        return []
    created = payload.get("created_at")
    occurred = datetime.fromtimestamp(created, UTC) if isinstance(created, int | float) else None
    # Retries repeat the payload; ``hash`` alone covers only ``data`` (equal for two edits of a product).
    delivery = headers.get("webhook-id") or f"{payload.get('hash')}:{created}:{scope}"
    kind = ChangeKind.DELETED if scope == "store/product/deleted" else ChangeKind.UPSERTED
    return [ChangeEvent(product_id, kind, occurred, delivery)]


def _product_id(scope: str, data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if scope.startswith("store/product/") and "metafield" not in scope:
        value = (data.get("inventory") or {}).get("product_id") if "inventory" in scope else data.get("id")
    elif scope.startswith("store/sku/"):
        value = (data.get("sku") or data.get("inventory") or {}).get("product_id")
    else:
        return None
    return str(value) if isinstance(value, int) and value > 0 else None
