"""Shopify deliveries: HMAC-SHA256 of the raw body with the app's client secret; topics to events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from claudery_shopify import webhooks

from hub.contract import ChangeKind, ErrorKind, PlatformError, PluginContext, WebhookRejected

CREDS = {"shop": "demo", "client_id": "cid", "client_secret": "shpss_secret"}


def _headers(body: bytes, topic="products/update", key="shpss_secret", **extra) -> dict[str, str]:
    mac = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return {"x-shopify-topic": topic, "x-shopify-hmac-sha256": mac, "x-shopify-webhook-id": "wh-1",
            "x-shopify-triggered-at": "2026-01-02T03:04:05.000Z", **extra}  # fmt: skip


def test_an_update_is_verified_and_read():
    body = json.dumps({"id": 788032119674292922, "updated_at": "2026-01-02T03:04:00-05:00"}).encode()
    (event,) = webhooks.parse(CREDS, _headers(body), body)
    assert event.product_id == "gid://shopify/Product/788032119674292922"  # ids above 2**53 stay exact
    assert event.kind is ChangeKind.UPSERTED and event.delivery_id == "wh-1"
    assert event.occurred_at.isoformat() == "2026-01-02T03:04:00-05:00"


def test_a_delete_uses_the_triggered_at_header():
    body = json.dumps({"id": 5}).encode()
    (event,) = webhooks.parse(CREDS, _headers(body, "products/delete"), body)
    assert event.kind is ChangeKind.DELETED and event.occurred_at.year == 2026


@pytest.mark.parametrize("case", ["wrong key", "no header", "body changed", "no client secret"])
def test_unauthentic_deliveries_are_refused(case):
    body = json.dumps({"id": 5}).encode()
    headers, creds, sent = _headers(body), CREDS, body
    if case == "wrong key":
        headers = _headers(body, key="shpss_other")
    elif case == "no header":
        headers.pop("x-shopify-hmac-sha256")
    elif case == "body changed":
        sent = json.dumps({"id": 6}).encode()
    else:
        creds = {"shop": "demo", "access_token": "shpat_x"}
    with pytest.raises(WebhookRejected):
        webhooks.parse(creds, headers, sent)


def test_other_topics_are_ignored():
    body = b'{"id": 1}'
    assert webhooks.parse(CREDS, _headers(body, "app/uninstalled"), body) == []


def test_registering_without_the_client_secret_says_what_to_enter():
    with pytest.raises(PlatformError) as err:
        webhooks.register(
            {"shop": "demo", "access_token": "shpat_x"}, "https://hub/w/t", "s", PluginContext({})
        )
    assert err.value.kind is ErrorKind.CONFIG and "client secret" in err.value.message
