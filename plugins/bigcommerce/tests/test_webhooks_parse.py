"""BigCommerce deliveries: the secret header, Standard Webhooks signatures, and what each scope means."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from claudery_bigcommerce import webhooks

from hub.contract import ChangeKind, WebhookRejected

SECRET = "site-secret-0123456789"
NOW = 1_800_000_000


def _body(scope="store/product/updated", data=None, created_at=NOW - 5) -> bytes:
    data = {"type": "product", "id": 205} if data is None else data
    return json.dumps({"scope": scope, "store_id": "1", "data": data, "hash": "abc", "created_at": created_at,
                       "producer": "stores/abc"}).encode()  # fmt: skip


def _headers(**extra) -> dict[str, str]:
    return {"x-claudery-hub-secret": SECRET, **extra}


def _signed(body: bytes, key: str, stamp: int = NOW, msg_id: str = "msg_1") -> dict[str, str]:
    mac = hmac.new(key.encode(), f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}  # fmt: skip


def test_an_update_becomes_an_upsert_event_with_the_platform_time():
    (event,) = webhooks.parse({}, _headers(), _body(), SECRET, now=NOW)
    assert (event.product_id, event.kind) == ("205", ChangeKind.UPSERTED)
    assert event.occurred_at.timestamp() == NOW - 5
    # two edits of one product have the same data hash: the id must still differ
    (other,) = webhooks.parse({}, _headers(), _body(created_at=NOW - 1), SECRET, now=NOW)
    assert other.delivery_id != event.delivery_id


@pytest.mark.parametrize(
    ("scope", "data", "expected"),
    [
        ("store/product/deleted", {"type": "product", "id": 7}, ("7", ChangeKind.DELETED)),
        ("store/product/created", {"type": "product", "id": 8}, ("8", ChangeKind.UPSERTED)),
        ("store/product/inventory/updated", {"inventory": {"product_id": 9, "method": "absolute", "value": 1}},
         ("9", ChangeKind.UPSERTED)),
        ("store/sku/updated", {"sku": {"product_id": 10, "variant_id": 3}}, ("10", ChangeKind.UPSERTED)),
    ],
)  # fmt: skip
def test_scopes_map_to_the_product_they_concern(scope, data, expected):
    (event,) = webhooks.parse({}, _headers(), _body(scope, data), SECRET, now=NOW)
    assert (event.product_id, event.kind) == expected


def test_other_resources_are_authentic_but_ignored():
    assert webhooks.parse({}, _headers(), _body("store/category/updated", {"type": "category", "id": 1}),
                          SECRET, now=NOW) == []  # fmt: skip


@pytest.mark.parametrize("headers", [{}, {"x-claudery-hub-secret": "wrong"}, {"x-claudery-hub-secret": ""}])
def test_a_missing_or_wrong_secret_is_refused(headers):
    with pytest.raises(WebhookRejected):
        webhooks.parse({}, headers, _body(), SECRET, now=NOW)


def test_a_standard_webhooks_signature_is_checked_when_the_client_secret_is_known():
    body, creds = _body(), {"client_secret": "cs-1"}
    assert webhooks.parse(creds, _headers(**_signed(body, "cs-1")), body, SECRET, now=NOW)
    assert (
        webhooks.parse(creds, _headers(**_signed(body, "cs-1")), body, SECRET, now=NOW)[0].delivery_id
        == "msg_1"
    )
    for bad in (_signed(body, "other"), _signed(body, "cs-1", stamp=NOW - 3600), _signed(b"{}", "cs-1")):
        with pytest.raises(WebhookRejected):
            webhooks.parse(creds, _headers(**bad), body, SECRET, now=NOW)


def test_an_unreadable_body_is_refused():
    with pytest.raises(WebhookRejected):
        webhooks.parse({}, _headers(), b"not json", SECRET, now=NOW)
