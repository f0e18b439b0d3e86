"""The credential form of a Shopify store-level app, and how pasted values are cleaned.

Two ways in (see ``shared/docs/shopify-api.md`` §1.2): an Admin API access token (``shpat_…``) of a
custom app created in the Shopify admin, **or** the client ID and client secret of a Dev Dashboard app,
which the plugin exchanges for a 24-hour token (and stores that token in ``access_token``). The shop
is normalized to ``{handle}.myshopify.com`` from every form merchants paste, before any request.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validates,
    validates_schema,
)

from hub.plugin_kit import QUOTES as _QUOTES
from hub.plugin_kit import clean_text

from .settings import DEFAULT_API_VERSION

APPS_HELP = "Shopify admin → Settings → Apps and sales channels → Develop apps"
#: a shop handle: the first label of ``{handle}.myshopify.com``
_HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_ADMIN_URL_RE = re.compile(r"^admin\.shopify\.com/store/([^/?#]+)")
_VERSION_RE = re.compile(r"^(?:\d{4}-(?:01|04|07|10)|unstable)$")
_TOKEN_PREFIX_RE = re.compile(
    r"^(?:x-shopify-access-token|access[ _-]?token|token|bearer|client[ _-]?(?:id|secret))\s*[:=]?\s*",
    re.IGNORECASE,
)
_TOKEN_RE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces: it goes into an HTTP header

SHOP_EXPECTED = (
    "Expected your shop's myshopify address, e.g. my-store.myshopify.com (or just my-store). You can "
    "paste your admin address too (https://admin.shopify.com/store/my-store). A custom domain such as "
    "www.brand.com does not serve the Admin API: find the myshopify address in Shopify admin → "
    "Settings → Domains."
)


def clean_token(value: Any) -> str | None:
    """Strip whitespace, quotes and a pasted header name such as ``X-Shopify-Access-Token:``."""
    text = clean_text(value)
    if text is None:
        return None
    return clean_text(_TOKEN_PREFIX_RE.sub("", text, count=1))


def extract_handle(value: str) -> str | None:
    """The shop handle in ``value`` (handle, myshopify host or URL, admin URL), or None.

    Follows Shopify's own validator, not the Python library's naive "text before the first dot", so
    ``www.brand.com`` is refused instead of becoming ``www.myshopify.com``.
    """
    text = value.strip().strip(_QUOTES).strip().lower()
    if not text or any(ch.isspace() for ch in text):
        return None
    if "://" in text:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        path = parts.path
    else:
        host, _, rest = text.partition("/")
        host = host.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
        path = "/" + rest
    if host == "admin.shopify.com":
        match = _ADMIN_URL_RE.match(host + path.rstrip("/"))
        handle = match.group(1) if match else None
    elif host.endswith(".myshopify.com"):
        handle = host[: -len(".myshopify.com")]
    elif "." not in host and path in ("", "/"):
        handle = host
    else:
        return None
    return handle if handle and _HANDLE_RE.match(handle) else None


def handle_of(shop: str) -> str:
    """The handle of a normalized shop (``my-store.myshopify.com`` → ``my-store``)."""
    return shop.split(".", 1)[0]


class ShopifyCredentialsSchema(Schema):
    """Credentials of a Shopify store-level app: the shop, and a token or a client ID and secret."""

    class Meta:
        unknown = EXCLUDE

    shop = fields.String(
        required=True,
        error_messages={"required": "Enter your shop. " + SHOP_EXPECTED},
        metadata={
            "label": "Shop",
            "help": (
                "Your shop's myshopify address (Shopify admin → Settings → Domains), e.g. "
                "my-store.myshopify.com. The handle alone or your admin address also work."
            ),
            "placeholder": "my-store.myshopify.com",
            "secret": False,
            "order": 1,
        },
    )
    access_token = fields.String(
        load_default=None,
        metadata={
            "label": "Admin API access token",
            "help": (
                f"{APPS_HELP} → your app → API credentials → Admin API access token (starts with shpat_, "
                "shown once). Give the app the read_products scope only. Leave it empty when you enter a "
                "client ID and client secret below: the hub then obtains and renews the token itself."
            ),
            "placeholder": "shpat_…",
            "secret": True,
            "order": 2,
        },
    )
    client_id = fields.String(
        load_default=None,
        metadata={
            "label": "Client ID",
            "help": (
                "For an app created in the Shopify Dev Dashboard (dev.shopify.com → Apps → your app → "
                "Settings), installed on this shop with the read_products scope. Not needed with an "
                "access token."
            ),
            "placeholder": "e.g. 3f1a9c0b7d2e4f5a6b7c8d9e0f1a2b3c",
            "secret": False,
            "order": 3,
        },
    )
    client_secret = fields.String(
        load_default=None,
        metadata={
            "label": "Client secret",
            "help": "Shown next to the client ID in the Dev Dashboard. Not needed with an access token.",
            "placeholder": "",
            "secret": True,
            "order": 4,
        },
    )
    api_version = fields.String(
        load_default=DEFAULT_API_VERSION,
        metadata={
            "label": "API version",
            "help": (
                f"The Admin API version the hub asks for (default {DEFAULT_API_VERSION}). Change it only "
                "when Shopify retires it: versions look like 2026-10 (January, April, July, October)."
            ),
            "placeholder": DEFAULT_API_VERSION,
            "secret": False,
            "order": 5,
        },
    )

    @pre_load
    def _clean(self, data: Any, **_: Any) -> Any:
        """Strip every value and drop empty ones, so an empty optional field is simply absent."""
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            secretish = key in ("access_token", "client_secret", "client_id")
            text = clean_token(value) if secretish else clean_text(value)
            if text is not None:
                cleaned[key] = text
        if "shop" in cleaned:
            handle = extract_handle(cleaned["shop"])
            cleaned["shop"] = f"{handle}.myshopify.com" if handle else cleaned["shop"]
        return cleaned

    @validates("shop")
    def _check_shop(self, value: str, **_: Any) -> None:
        if not (value.endswith(".myshopify.com") and _HANDLE_RE.match(handle_of(value))):
            raise ValidationError(SHOP_EXPECTED)

    @validates("access_token")
    def _check_token(self, value: str | None, **_: Any) -> None:
        if value is None:
            return
        # never echo the value: it is a secret, and the message is shown and maybe logged
        if value.lower().startswith("shpss_"):
            raise ValidationError(
                "That is the app's API secret key (it starts with shpss_), not the Admin API access token. "
                "The access token starts with shpat_ and is shown once, after you install the app."
            )
        if not _TOKEN_RE.match(value):
            raise ValidationError(
                "The access token must be one word without spaces or line breaks inside. Paste only the "
                "Admin API access token."
            )

    @validates("client_id")
    def _check_client_id(self, value: str | None, **_: Any) -> None:
        if value is not None and not _TOKEN_RE.match(value):
            raise ValidationError("The client ID is one word of letters and digits, without spaces.")

    @validates("client_secret")
    def _check_client_secret(self, value: str | None, **_: Any) -> None:
        if value is not None and not _TOKEN_RE.match(value):
            raise ValidationError("The client secret must be one word, without spaces or line breaks inside.")

    @validates("api_version")
    def _check_version(self, value: str, **_: Any) -> None:
        if not _VERSION_RE.match(value):
            raise ValidationError(
                f"Expected a Shopify API version such as {DEFAULT_API_VERSION} (year-month, with month "
                "01, 04, 07 or 10), or leave it empty for the default."
            )

    @validates_schema
    def _check_auth(self, data: dict[str, Any], **_: Any) -> None:
        """A token, or both halves of the client credentials."""
        cid, secret = data.get("client_id"), data.get("client_secret")
        if cid and not secret:
            raise ValidationError("Enter the client secret that goes with the client ID.", "client_secret")
        if secret and not cid:
            raise ValidationError("Enter the client ID that goes with the client secret.", "client_id")
        if not data.get("access_token") and not cid:
            raise ValidationError(
                "Enter the Admin API access token (shpat_…), or the client ID and client secret of your "
                "Dev Dashboard app.",
                "access_token",
            )

    @post_load
    def _finish(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Leave optional fields that were not given out of the dict."""
        return {key: value for key, value in data.items() if value is not None}


def normalize_credentials(data: dict[str, Any]) -> dict[str, Any]:
    """Load, clean and validate credentials; raise ``ValidationError`` with per-field messages."""
    return ShopifyCredentialsSchema().load(data or {})


def uses_client_credentials(credentials: dict[str, Any]) -> bool:
    """True when the hub obtains the token itself (client ID and secret given)."""
    return bool(credentials.get("client_id") and credentials.get("client_secret"))
