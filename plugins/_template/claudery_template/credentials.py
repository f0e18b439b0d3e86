"""The credentials a merchant pastes: one marshmallow schema drives the form, the CLI input, the
encryption of secrets and the validation (``credential_schema`` / ``normalize_credentials``).

REPLACE the fields with your platform's. Rules the hub relies on: every field has ``label`` and
``help`` (where to find the value) in ``metadata``; tokens and passwords are ``secret: True``
(encrypted at rest, masked on edit, never logged); errors are keyed by field and never repeat a
secret; no network here (it runs while the form renders).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validates

WHERE_TO_CREATE_IT = "Template admin → Settings → API → Create token (read-only Products access is enough)."


class TemplateCredentials(Schema):
    """REPLACE: the fields your platform needs. ``secret: True`` values are encrypted and never shown."""

    class Meta:
        unknown = EXCLUDE  # a stale form field must not make the credentials invalid

    shop_url = fields.String(
        required=True,
        error_messages={"required": "Enter your shop's address, e.g. https://myshop.example.com."},
        metadata={
            "label": "Shop URL",
            "help": "The address of your shop's storefront or admin; only the host is kept.",
            "placeholder": "https://myshop.example.com",
            "secret": False,
            "order": 1,
        },
    )
    api_token = fields.String(
        required=True,
        error_messages={"required": "Enter the API token of your shop."},
        metadata={
            "label": "API token",
            "help": WHERE_TO_CREATE_IT,
            "placeholder": "e.g. tpl_1a2b3c4d5e6f",
            "secret": True,
            "order": 2,
        },
    )

    @pre_load
    def _strip(self, data: Any, **_: Any) -> Any:
        """Strip what copy-paste brings (spaces, newlines, quotes) and drop empty values.

        Dropping empty values turns an empty required field into a "required" error.
        """
        if not isinstance(data, dict):
            return data
        cleaned = {key: str(value).strip().strip("\"'").strip() for key, value in data.items() if value}
        cleaned = {key: value for key, value in cleaned.items() if value}
        if "shop_url" in cleaned and "://" not in cleaned["shop_url"]:
            cleaned["shop_url"] = "https://" + cleaned["shop_url"]  # merchants often paste a bare host
        return cleaned

    @validates("shop_url")
    def _check_shop_url(self, value: str, **_: Any) -> None:
        parts = urlsplit(value)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host or " " in value:
            raise ValidationError("Expected your shop's address, e.g. https://myshop.example.com.")
        # a token must never travel in clear text, except to a shop running on this machine
        if parts.scheme == "http" and host not in ("localhost", "127.0.0.1"):
            raise ValidationError("Use the https:// address of your shop.")

    @validates("api_token")
    def _check_token(self, value: str, **_: Any) -> None:
        # never echo the value: the message is shown in the browser and may be logged
        if not value.isascii() or not value.isprintable() or " " in value:
            raise ValidationError("The API token is one word without spaces: paste only the token.")

    @post_load
    def _canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """Keep only scheme and host of the URL, lower-cased, so the stored value is canonical."""
        parts = urlsplit(data["shop_url"])
        netloc = parts.netloc.rsplit("@", 1)[-1].lower()  # never keep user:password@ in a URL
        data["shop_url"] = f"{parts.scheme}://{netloc}"
        return data
