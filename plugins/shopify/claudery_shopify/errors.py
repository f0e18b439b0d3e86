"""Every way a Shopify call can fail, classified into the contract's ErrorKind, in the merchant's words.

Shopify answers some failures with an HTTP status (401 token, 402/423 shop unavailable, 404 unknown shop,
429, 5xx/530/540) and others with HTTP 200 and a GraphQL ``errors`` array (``ACCESS_DENIED``,
``THROTTLED``, ``MAX_COST_EXCEEDED``, ``INTERNAL_SERVER_ERROR``, validation errors). See
``shared/docs/shopify-api.md`` §2.2-2.4. Messages never contain a token or a secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hub.contract import ErrorKind, PlatformError

from .credentials import APPS_HELP

#: statuses worth retrying: throttled, and Shopify's server errors (530/540 are Shopify's own)
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524, 530, 540})
_SCOPE_RE = re.compile(r"`?\b((?:read|write|unauthenticated_read)_[a-z_]+)\b`?")


class Transient(Exception):
    """A failure the client retries with backoff (5xx, INTERNAL_SERVER_ERROR, network)."""

    def __init__(self, kind: ErrorKind, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after


class QueryTooCostly(Exception):
    """``MAX_COST_EXCEEDED``: the query asks for more than the single-query limit; shrink it."""

    def __init__(self, cost: float | None, max_cost: float | None):
        super().__init__(f"query cost {cost} exceeds {max_cost}")
        self.cost = cost
        self.max_cost = max_cost


def error_text(body: Any) -> str:
    """Shopify's ``errors`` as one line (a string, a list of messages or a dict of field messages)."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(errors, str):
        return errors
    if isinstance(errors, list):
        return "; ".join(str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors)
    if isinstance(errors, Mapping):
        return "; ".join(f"{k}: {v}" for k, v in errors.items())
    return ""


def missing_scope(text: str) -> str:
    """The scope a Shopify message names (``read_products`` when none can be read)."""
    match = _SCOPE_RE.search(text or "")
    return match.group(1) if match else "read_products"


def scope_error(scope: str) -> PlatformError:
    """The app lacks a scope: name it as the Shopify admin shows it, and say how to grant it."""
    return PlatformError(
        ErrorKind.SCOPE,
        f"The app is missing the {scope} access scope. In {APPS_HELP} → your app → Configuration → Admin "
        f"API integration, tick {scope}, save and reinstall the app (for a Dev Dashboard app: release a "
        f"version with {scope} and update the installation).",
    )


def http_error(status: int, body: Any, shop: str, *, client_credentials: bool = False) -> PlatformError:
    """Classify a non-200 answer of the Admin API (``body`` is the parsed JSON, or the text)."""
    text = error_text(body) if isinstance(body, Mapping) else str(body or "")[:200]
    if status == 401:
        how = (
            "Check the client ID and client secret, and that the app is still installed on the shop."
            if client_credentials
            else f"Paste the current Admin API access token ({APPS_HELP} → your app → API credentials); "
            "a token stops working when the app is uninstalled or the token is rotated."
        )
        return PlatformError(ErrorKind.AUTH, f"Shopify refused the access token for {shop} (401). {how}")
    if status in (402, 423) or (status == 403 and "unavailable shop" in text.lower()):
        state = "locked" if status == 423 else "frozen, paused or on a plan without API access"
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"Shopify says the shop {shop} is unavailable ({state}, HTTP {status}). Check the shop's plan "
            "and billing in the Shopify admin; the hub retries later.",
        )
    if status == 403:
        return scope_error(missing_scope(text))
    if status == 404:
        return PlatformError(
            ErrorKind.NOT_FOUND,
            f"Shopify knows no shop at {shop} (404). Check the shop's myshopify address in Shopify admin → "
            "Settings → Domains.",
        )
    if 300 <= status < 400:
        return PlatformError(
            ErrorKind.NOT_FOUND,
            f"The Admin API of {shop} answered with a redirect (HTTP {status}), which Shopify never does for "
            "a valid shop: check the shop's myshopify address.",
        )
    if status in TRANSIENT_STATUSES:
        return PlatformError(
            ErrorKind.RATE_LIMITED if status == 429 else ErrorKind.UNAVAILABLE,
            f"Shopify is not answering normally (HTTP {status}); the hub retries later.",
        )
    return PlatformError(ErrorKind.UNKNOWN, f"Shopify answered HTTP {status} unexpectedly: {text[:200]}")


def graphql_error(errors: list[Any], shop: str) -> PlatformError:
    """Classify a GraphQL ``errors`` array that is neither throttling nor a server error."""
    first = errors[0] if errors and isinstance(errors[0], Mapping) else {}
    ext = first.get("extensions") or {}
    code = str(ext.get("code") or "")
    message = str(first.get("message") or "")
    if code == "ACCESS_DENIED":
        return scope_error(missing_scope(str(ext.get("requiredAccess") or message)))
    return PlatformError(
        ErrorKind.UNKNOWN,
        f"Shopify rejected the hub's query ({code or 'error'}: {message[:200]}). This is a bug in the hub's "
        f"Shopify plugin or an API version it does not know; it was logged for {shop}.",
    )


def error_codes(errors: Any) -> list[str]:
    """The ``extensions.code`` of each GraphQL error."""
    if not isinstance(errors, list):
        return []
    return [str((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, Mapping)]
