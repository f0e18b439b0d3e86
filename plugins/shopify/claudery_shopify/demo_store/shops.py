"""Shops and the apps installed on them: scopes, tokens (permanent and expiring), client credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import orjson

from claudery_shopify.demo_store.catalog import Catalog
from claudery_shopify.demo_store.ratelimit import LeakyBucket
from claudery_shopify.demo_store.responses import Response, errors_string, json_response

if TYPE_CHECKING:
    from claudery_shopify.demo_store.app import DemoStoreApp


def expand_scopes(granted: tuple[str, ...]) -> frozenset[str]:
    """Granted scopes plus what they imply (``write_X`` implies ``read_X``)."""
    out = set(granted)
    out.update("read_" + s[len("write_") :] for s in granted if s.startswith("write_"))
    return frozenset(out)


@dataclass
class AppInstall:
    """One app installed on one shop: its credentials, scopes and cost bucket."""

    client_id: str
    client_secret: str
    granted: tuple[str, ...]
    scopes: frozenset[str]
    bucket: LeakyBucket
    install_id: int


@dataclass
class ShopState:
    """One shop: catalog, plan, state and the apps installed on it."""

    handle: str
    name: str
    plan: str
    state: str
    currency: str
    shop_id: int
    catalog: Catalog
    installs: dict[str, AppInstall] = field(default_factory=dict)
    tokens: dict[str, tuple[AppInstall, float | None]] = field(
        default_factory=dict
    )  #: token -> (app, expiry)

    @property
    def domain(self) -> str:
        """``{handle}.myshopify.com``."""
        return f"{self.handle}.myshopify.com"


def authenticate(shop: ShopState, headers: dict[str, str], now: float) -> AppInstall | None:
    """The app a request's ``X-Shopify-Access-Token`` belongs to (None: unknown or expired token)."""
    token = headers.get("x-shopify-access-token", "").strip()
    entry = shop.tokens.get(token)
    if entry is None:
        return None
    install, expires = entry
    if expires is not None and now >= expires:
        shop.tokens.pop(token, None)
        return None
    return install


def token_exchange(
    app: DemoStoreApp, shop: ShopState, method: str, headers: dict[str, str], body: bytes
) -> Response:
    """The client-credentials grant: a token that expires after ``token_lifetime_s`` demo seconds."""
    if method != "POST":
        return errors_string(405, "Method Not Allowed")
    if "json" in headers.get("content-type", ""):
        try:
            form = {k: str(v) for k, v in orjson.loads(body or b"{}").items()}
        except (orjson.JSONDecodeError, AttributeError):
            form = {}
    else:
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
    status = app.config.client_credentials_error_status
    if form.get("grant_type") != "client_credentials":
        return json_response(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "The grant_type must be client_credentials.",
            },
        )
    install = shop.installs.get(form.get("client_id", ""))
    if install is None:
        known = any(form.get("client_id") in s.installs for s in app.shops.values())
        if known:
            return json_response(
                status,
                {
                    "error": "shop_not_permitted",
                    "error_description": "Client credentials cannot be performed on this shop.",
                },
            )
        return json_response(
            status, {"error": "invalid_client", "error_description": "Client authentication failed."}
        )
    if not secrets.compare_digest(form.get("client_secret", ""), install.client_secret):
        return json_response(
            status, {"error": "invalid_client", "error_description": "Client authentication failed."}
        )
    token = "shpat_" + secrets.token_hex(16)
    lifetime = app.config.token_lifetime_s
    shop.tokens[token] = (install, app.clock.time() + lifetime)
    return json_response(
        200, {"access_token": token, "scope": ",".join(install.granted), "expires_in": int(lifetime)}
    )
