"""Turning BigCommerce's answers and network failures into :class:`PlatformError` for the merchant.

Every message says what went wrong and what to do, and never contains the token or a stack trace. The
platform's own error text is quoted (shortened, with any secret removed) because it often helps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson
import requests

from hub.contract import ErrorKind, PlatformError

from .credentials import API_ACCOUNTS_HELP
from .scopes import PRODUCTS_READ, Scope

_MAX_DETAIL = 200
_SCOPE_TITLE_RE = re.compile(r"required scope|scope", re.IGNORECASE)
_SUSPENDED_RE = re.compile(r"suspend|maintenance|trial|expired|closed|inactive", re.IGNORECASE)


def parse_json(content: bytes | str | None) -> Any:
    """Parse a JSON body; return None for an empty or non-JSON body (HTML from a gateway, text)."""
    if not content:
        return None
    try:
        return orjson.loads(content)
    except (orjson.JSONDecodeError, TypeError):
        return None


def error_detail(body: Any, text: str | None = None, *, secrets: Iterable[str] = ()) -> str | None:
    """Extract the platform's error text from a v3 envelope, a v2 error list or a plain-text body."""
    detail: str | None = None
    if isinstance(body, dict):
        # v3: {"status", "title", "type", "detail"?, "errors": {field: message}}
        parts = [body.get("title"), body.get("detail")]
        errs = body.get("errors")
        if isinstance(errs, dict):
            parts.extend(f"{k}: {v}" for k, v in errs.items() if isinstance(v, str | int | float))
        elif isinstance(errs, str):  # Shopify-style {"errors": "..."} also lands here harmlessly
            parts.append(errs)
        detail = "; ".join(str(p) for p in parts if isinstance(p, str | int | float) and str(p).strip())
    elif isinstance(body, list):
        # v2: [{"status": 404, "message": "...", "details": {...}}]
        detail = "; ".join(
            str(item.get("message")) for item in body if isinstance(item, dict) and item.get("message")
        )
    elif text and "<" not in text[:200]:
        detail = text  # plain text; an HTML page tells the merchant nothing
    if not detail:
        return None
    detail = " ".join(detail.split())
    for secret in secrets:
        if secret:
            detail = detail.replace(secret, "[hidden]")
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 1] + "…"
    return detail


def _quoted(detail: str | None) -> str:
    return f' BigCommerce said: "{detail}"' if detail else ""


def classify_status(
    status: int,
    detail: str | None,
    *,
    scope: Scope = PRODUCTS_READ,
    store_hash: str = "",
    retry_after: float | None = None,
) -> PlatformError:
    """Map an HTTP error status (and the platform's error text) to a merchant-facing PlatformError."""
    said = _quoted(detail)
    if status == 401:
        return PlatformError(
            ErrorKind.AUTH,
            "BigCommerce rejected the access token (401): it is wrong, or its API account was deleted. "
            "Paste the Access Token (not the Client ID or Client Secret) of a store-level API account "
            f"that exists in {API_ACCOUNTS_HELP}; if the account is gone, create a new one and paste "
            f"its token. Also check that the store hash {store_hash!r} is this store's." + said,
        )
    if status == 403:
        if detail and _SCOPE_TITLE_RE.search(detail):
            return PlatformError(
                ErrorKind.SCOPE,
                f"The API account lacks the '{scope.label}' permission (403). Scopes cannot be edited "
                f"afterwards: in {API_ACCOUNTS_HELP}, create a new API account with {scope.ui_name} set "
                f"to {scope.level} (or modify) and paste its token. If every scope is already granted, "
                f"the token belongs to another store: check the store hash {store_hash!r}." + said,
            )
        return PlatformError(
            ErrorKind.SCOPE,
            f"BigCommerce refused the request (403). Check that the store hash {store_hash!r} is the "
            f"store the API account was created in, and that the account has '{scope.label}'." + said,
        )
    if status == 404:
        return PlatformError(
            ErrorKind.NOT_FOUND,
            f"No BigCommerce store answers to the store hash {store_hash!r} (404). Copy the hash from "
            "the API path shown with your API account (https://api.bigcommerce.com/stores/<hash>/v3/) "
            "or from your control panel address (https://store-<hash>.mybigcommerce.com)." + said,
        )
    if status == 429:
        wait = f"{max(1, round(retry_after))} s" if retry_after is not None else "a minute"
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            "BigCommerce's request quota for this store is used up (429), shared by the hub and the "
            f"store's other apps. Try again in {wait}." + said,
            retry_after=retry_after,
        )
    if status == 503 or (status >= 500 and detail and _SUSPENDED_RE.search(detail)):
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"BigCommerce says the store is unavailable ({status}): it is down for maintenance or "
            "suspended (for example an expired trial or an unpaid plan). Check the store's status in "
            "the BigCommerce control panel, then try again." + said,
            retry_after=retry_after,
        )
    if status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"BigCommerce had a server error ({status}). This is usually temporary: try again in a few "
            "minutes; if it persists, check https://status.bigcommerce.com." + said,
            retry_after=retry_after,
        )
    if 300 <= status < 400:
        return PlatformError(
            ErrorKind.CONFIG,
            f"BigCommerce answered with a redirect ({status}), which the hub does not follow so that "
            "the token is never sent elsewhere. Check the BIGCOMMERCE_API_URL setting.",
        )
    return PlatformError(
        ErrorKind.UNKNOWN,
        f"BigCommerce answered with an unexpected error ({status})."
        + said
        + " If it persists, report it to the hub's administrator.",
    )


def is_suspended(status: int, detail: str | None) -> bool:
    """True for a store that is suspended (retrying will not help until the merchant acts)."""
    return status >= 500 and bool(detail) and bool(_SUSPENDED_RE.search(detail or ""))


def classify_exception(exc: BaseException, *, host: str = "", timeout: float | None = None) -> PlatformError:
    """Map a ``requests`` exception to a PlatformError; the exception's own text is never shown
    (it may contain the request URL or, for invalid headers, a header value)."""
    where = host or "BigCommerce"
    if isinstance(exc, requests.exceptions.SSLError):
        return PlatformError(
            ErrorKind.NETWORK,
            f"The secure (TLS) connection to {where} failed: the server's certificate could not be "
            "verified. Check the server's clock and CA certificates, or a proxy that intercepts HTTPS.",
        )
    if isinstance(exc, requests.exceptions.Timeout):
        secs = f" within {timeout:g} s" if timeout else ""
        return PlatformError(
            ErrorKind.NETWORK,
            f"{where} did not answer{secs}. BigCommerce may be slow right now: try again in a few minutes.",
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc.args[0]) if exc.args else ""
        if any(s in text for s in ("NameResolution", "getaddrinfo", "Name or service not known", "nodename")):
            return PlatformError(
                ErrorKind.NETWORK,
                f"The address of {where} could not be looked up (DNS). Check the server's internet "
                "connection and DNS, and the BIGCOMMERCE_API_URL setting.",
            )
        return PlatformError(
            ErrorKind.NETWORK,
            f"The connection to {where} failed or was dropped. Check the server's internet connection; "
            "if it works, BigCommerce may be having trouble: try again in a few minutes.",
        )
    if isinstance(exc, requests.exceptions.InvalidHeader | UnicodeError):
        return PlatformError(
            ErrorKind.CONFIG,
            "The access token contains characters that cannot be sent to BigCommerce. Paste only the "
            "token shown for your API account, without spaces or line breaks.",
        )
    return PlatformError(
        ErrorKind.NETWORK,
        f"The request to {where} failed ({type(exc).__name__}). Try again in a few minutes.",
    )
