"""The credential form of a BigCommerce store-level API account, and how pasted values are cleaned.

Merchants paste what they find: the API path instead of the store hash, the control-panel URL, a token
with its ``X-Auth-Token:`` header name or quotes around it. Everything is normalized here, before any
API call, so that a badly formed value gets a field error instead of a misleading 403 later.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validates

from hub.plugin_kit import QUOTES as _QUOTES
from hub.plugin_kit import clean_text

API_ACCOUNTS_HELP = "BigCommerce control panel → Settings → API → Store-level API accounts"

#: the store hash itself: BigCommerce publishes no format, every example is short lower-case alnum
_HASH_RE = re.compile(r"^[a-z0-9]{1,16}$")
#: where a store hash appears inside the URLs and paths merchants paste, most specific first
_HASH_IN_TEXT = (
    re.compile(r"(?:^|/)stores/([a-z0-9]+)(?:/|$)"),  # API path, app context "stores/{hash}"
    re.compile(r"(?:^|[/.@])store-([a-z0-9]+)\.mybigcommerce\.com"),  # control panel / storefront host
    re.compile(r"(?:^|/)s-([a-z0-9]+)(?:/|$)"),  # CDN path /s-{hash}/
)
# A label is stripped only when a separator follows it: a token that merely starts with "token" or "bearer"
# (they are random letters and digits) keeps those letters.
_TOKEN_PREFIX_RE = re.compile(
    r"^(?:x-auth-token|access[ _-]?token|token|bearer)(?:\s*[:=]\s*|\s+)", re.IGNORECASE
)
_TOKEN_RE = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces: it goes into an HTTP header

STORE_HASH_EXPECTED = (
    "Expected the store hash, e.g. abc123: the part after /stores/ in the API path shown with your "
    "API account (https://api.bigcommerce.com/stores/abc123/v3/), or after store- in your control "
    "panel address (https://store-abc123.mybigcommerce.com). You can paste either address."
)


def extract_store_hash(value: str) -> str | None:
    """Return the store hash contained in ``value`` (a hash, API path or store URL), or None."""
    text = value.strip().strip(_QUOTES).strip().lower()
    if _HASH_RE.match(text):
        return text
    for prefix in ("store-", "stores/"):
        if text.startswith(prefix) and _HASH_RE.match(text[len(prefix) :].strip("/")):
            return text[len(prefix) :].strip("/")
    for pattern in _HASH_IN_TEXT:
        match = pattern.search(text)
        if match and _HASH_RE.match(match.group(1)):
            return match.group(1)
    return None


def clean_token(value: Any) -> str | None:
    """Strip whitespace, quotes and a pasted header name such as ``X-Auth-Token:`` from a token."""
    text = clean_text(value)
    if text is None:
        return None
    text = _TOKEN_PREFIX_RE.sub("", text, count=1)
    return clean_text(text)


class BigCommerceCredentialsSchema(Schema):
    """Credentials of a BigCommerce store-level API account (V2/V3 API token)."""

    class Meta:
        unknown = EXCLUDE

    store_hash = fields.String(
        required=True,
        error_messages={"required": "Enter the store hash. " + STORE_HASH_EXPECTED},
        metadata={
            "label": "Store hash",
            "help": (
                "Shown as the API path when you create the API account "
                "(https://api.bigcommerce.com/stores/<store hash>/v3/), and in your control panel "
                "address (https://store-<store hash>.mybigcommerce.com). Paste either address or the hash."
            ),
            "placeholder": "abc123",
            "secret": False,
            "order": 1,
        },
    )
    access_token = fields.String(
        required=True,
        error_messages={"required": "Enter the access token of your store-level API account."},
        metadata={
            "label": "Access token",
            "help": (
                f"{API_ACCOUNTS_HELP} → Create API account (token type V2/V3), with Products set to "
                "read-only. The access token is shown only once, when the account is created (a .txt "
                "file downloads): save it before closing the dialog. It is not the Client ID or the "
                "Client Secret."
            ),
            "placeholder": "",
            "secret": True,
            "order": 2,
        },
    )
    client_id = fields.String(
        load_default=None,
        metadata={
            "label": "Client ID",
            "help": f"{API_ACCOUNTS_HELP}: shown with the access token. Optional; not sent on API calls.",
            "placeholder": "",
            "secret": False,
            "order": 3,
        },
    )
    client_secret = fields.String(
        load_default=None,
        metadata={
            "label": "Client secret",
            "help": (
                f"{API_ACCOUNTS_HELP}: shown once with the access token. Optional; only needed to "
                "verify signed webhooks."
            ),
            "placeholder": "",
            "secret": True,
            "order": 4,
        },
    )
    account_uuid = fields.String(
        load_default=None,
        metadata={
            "label": "Account UUID",
            "help": (
                "Optional. Shown when an account-level API token is created; also the account_uuid "
                "of the store's information."
            ),
            "placeholder": "",
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
            text = clean_token(value) if key == "access_token" else clean_text(value)
            if text is not None:
                cleaned[key] = text
        if "store_hash" in cleaned:
            # an unrecognizable value is kept as is and reported by the validator below
            cleaned["store_hash"] = extract_store_hash(cleaned["store_hash"]) or cleaned["store_hash"]
        return cleaned

    @validates("store_hash")
    def _check_store_hash(self, value: str, **_: Any) -> None:
        if not _HASH_RE.match(value):
            raise ValidationError(STORE_HASH_EXPECTED)

    @validates("access_token")
    def _check_token(self, value: str, **_: Any) -> None:
        # never echo the value: it is a secret, and the message is shown and maybe logged
        if not _TOKEN_RE.match(value):
            raise ValidationError(
                "The access token must be one word of letters and digits, without spaces or line "
                "breaks inside. Paste only the token from your API account."
            )

    @validates("account_uuid")
    def _check_uuid(self, value: str | None, **_: Any) -> None:
        if value is None:
            return
        try:
            uuid.UUID(value)
        except ValueError:
            raise ValidationError(
                "Expected a UUID such as 8d4d492f-17a1-4d95-b396-e1c5720815a5 (or leave it empty)."
            ) from None

    @post_load
    def _finish(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Return canonical values and leave optional fields that were not given out of the dict."""
        if data.get("account_uuid"):
            data["account_uuid"] = str(uuid.UUID(data["account_uuid"]))
        return {key: value for key, value in data.items() if value is not None}


def normalize_credentials(data: dict[str, Any]) -> dict[str, Any]:
    """Load, clean and validate credentials; raise ``ValidationError`` with per-field messages."""
    return BigCommerceCredentialsSchema().load(data or {})
