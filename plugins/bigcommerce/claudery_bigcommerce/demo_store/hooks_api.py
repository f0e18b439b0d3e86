"""``/v3/hooks``: create, list, read, update and delete webhook registrations (per API account)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claudery_bigcommerce.demo_store import api
from claudery_bigcommerce.demo_store.config import PRODUCTS_MODIFY, PRODUCTS_READ_ONLY
from claudery_bigcommerce.demo_store.formats import loads
from claudery_bigcommerce.demo_store.responses import Response, ok, v3_error

if TYPE_CHECKING:
    from claudery_bigcommerce.demo_store.webhooks import WebhookHub


def handle(req: api.Request) -> Response:
    """Dispatch ``/v3/hooks[/{id}]``. Hooks need no scope beyond the account's default one."""
    hub: WebhookHub = req.app.webhooks
    rest = req.parts
    if len(rest) == 1:
        if req.method == "GET":
            return _list(req, hub)
        if req.method == "POST":
            return _create(req, hub)
        return v3_error(405)
    if len(rest) != 2 or not rest[1].isdigit():
        return v3_error(404)
    hook = hub.hooks.get(int(rest[1]))
    if hook is None or hook["store_hash"] != req.store.hash or hook["client_id"] != req.account.client_id:
        return v3_error(404, f"Webhook with id [{rest[1]}] not found")
    if req.method == "GET":
        return ok(hook)
    if req.method == "PUT":
        body = _body(req)
        if isinstance(body, Response):
            return body
        errors = hub.validate(body, partial=True)
        if errors:
            return v3_error(422, errors=errors)
        return ok(hub.update(hook, body))
    if req.method == "DELETE":
        hub.delete(hook["id"])
        return ok(hook)  # the spec: DELETE answers 200 with the deleted hook
    return v3_error(405)


def _body(req: api.Request) -> dict | Response:
    try:
        body = loads(req.body or b"null")
    except ValueError:
        return v3_error(400, "Syntax error", errors={})
    if not isinstance(body, dict):
        return v3_error(422, errors={"body": "error.expected.jsobject"})
    return body


def _create(req: api.Request, hub: WebhookHub) -> Response:
    body = _body(req)
    if isinstance(body, Response):
        return body
    errors = hub.validate(body)
    if errors:
        return v3_error(422, errors=errors)
    scope = body["scope"]
    if (req.app.config.hooks_require_products_scope and scope.startswith("store/product/")
            and not req.account.scopes & {PRODUCTS_READ_ONLY, PRODUCTS_MODIFY}):  # fmt: skip
        return v3_error(403)
    if hub.duplicate(req.store.hash, req.account.client_id, scope, body["destination"]):
        return v3_error(422, errors={"destination": "error.hook.duplicate_scope_destination"})
    return ok(hub.create(req.store.hash, req.account.client_id, body))


def _list(req: api.Request, hub: WebhookHub) -> Response:
    items = hub.visible(req.store.hash, req.account.client_id)
    p = req.params
    if "scope" in p:
        items = [h for h in items if h["scope"] == p["scope"]]
    if "destination" in p:
        items = [h for h in items if h["destination"] == p["destination"]]
    if "is_active" in p:
        active = p["is_active"].lower() in ("true", "1")
        items = [h for h in items if h["is_active"] is active]
    return api.list_items(req, items)
