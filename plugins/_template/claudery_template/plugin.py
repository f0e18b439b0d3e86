"""The Template Platform plugin: every hook a platform needs, against a small made-up REST API.

Copy this package to start a new platform (see ``README.md``). Each ``@hookimpl`` below is a hook of
:mod:`hub.contract` (read its docstrings: they are the rules the hub relies on). Everything marked
"REPLACE" talks to the made-up API and must be rewritten for your platform's real one:

* ``GET {shop_url}/api/ping`` → ``{"shop": {"name", "domain", "currency", "product_count"}}``
* ``GET {shop_url}/api/products?limit=N[&cursor=C][&updated_since=ISO]`` →
  ``{"products": [{"id", "name", "sku", "price", "description", "updated_at"}], "next_cursor", "total"}``

Both take ``Authorization: Bearer <api_token>``. The hub passes the platform key as the first argument
of every platform hook but only ever calls this plugin with its own key, so it is not checked here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, pre_load, validates

from hub.contract import (
    ConnectionResult,
    ErrorKind,
    FetchMode,
    FetchRequest,
    PlatformError,
    PlatformInfo,
    PluginContext,
    Product,
    ProductPage,
    RecordError,
    StoreInfo,
    hookimpl,
)

log = logging.getLogger(__name__)

PLATFORM_KEY = "template"  # REPLACE: your platform's key, [a-z0-9_]+; stored with every site
WHERE_TO_CREATE_IT = "Template admin → Settings → API → Create token (read-only Products access is enough)."

# Settings the plugin reads from the hub configuration (``context.settings``), with defaults. Prefix
# them with your platform's name: they share one namespace with the hub's own settings.
PAGE_SIZE_SETTING, DEFAULT_PAGE_SIZE = "TEMPLATE_PAGE_SIZE", 100
TIMEOUT_SETTING, DEFAULT_TIMEOUT = "TEMPLATE_TIMEOUT", 10.0
RETRIES_SETTING, DEFAULT_RETRIES = "TEMPLATE_MAX_RETRIES", 2
BACKOFF_SETTING, DEFAULT_BACKOFF = "TEMPLATE_BACKOFF", 1.0


def _setting(settings: Mapping[str, Any], key: str, default: float) -> float:
    """A numeric setting; a malformed value falls back to the default rather than breaking syncs."""
    try:
        return float(settings.get(key, default))
    except (TypeError, ValueError):
        return default


# --------------------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------------------


@hookimpl
def platform_info() -> PlatformInfo:
    """Declare the platform: the hub routes every platform hook for this key to this module."""
    return PlatformInfo(
        key=PLATFORM_KEY,
        display_name="Template Platform",  # REPLACE: the name merchants know
        description="A made-up platform: the skeleton to copy for a new one.",
        docs_url="https://example.com/template-platform/api-tokens",  # REPLACE: how to create credentials
    )


# --------------------------------------------------------------------------------------------------
# Credentials: one schema drives the form, the CLI input, encryption of secrets and validation
# --------------------------------------------------------------------------------------------------


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


@hookimpl
def credential_schema(platform: str) -> type[Schema]:
    """The schema *class*: the hub instantiates it itself."""
    return TemplateCredentials


@hookimpl
def normalize_credentials(platform: str, data: dict[str, str]) -> dict[str, Any]:
    """Clean and validate pasted credentials; no network here (it runs while the form renders)."""
    return TemplateCredentials().load(data)


# --------------------------------------------------------------------------------------------------
# HTTP: one place that turns the platform's answers into ErrorKinds with what-to-do messages
# --------------------------------------------------------------------------------------------------


def _session(credentials: Mapping[str, Any], context: PluginContext) -> requests.Session:
    """A session carrying the auth header. REPLACE with your platform's authentication scheme."""
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Bearer {credentials['api_token']}",
            "Accept": "application/json",
            "User-Agent": context.user_agent,
        }
    )
    return session


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _error_for_response(response: requests.Response, shop_url: str) -> PlatformError:
    """Map an HTTP failure to an ErrorKind and a message saying what to do. REPLACE the wording."""
    status = response.status_code
    if status == 401:
        return PlatformError(
            ErrorKind.AUTH, f"The API token was refused. Create a new one ({WHERE_TO_CREATE_IT})"
        )
    if status == 403:
        return PlatformError(
            ErrorKind.SCOPE,
            f"The API token may not read products. Give it Products read access ({WHERE_TO_CREATE_IT})",
        )
    if status == 404:
        return PlatformError(
            ErrorKind.NOT_FOUND, f"No Template shop answers at {shop_url}. Check the shop URL."
        )
    if status == 429:
        wait = _retry_after(response)
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            "The platform asked us to slow down. Try again in a minute.",
            retry_after=wait,
        )
    if status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"The platform is unavailable (HTTP {status}). Try again later; if it lasts, check its status page.",
        )
    return PlatformError(
        ErrorKind.UNKNOWN, f"The platform answered HTTP {status}, which the plugin does not expect."
    )


def _error_for_exception(exc: requests.RequestException, shop_url: str) -> PlatformError:
    """Map a transport failure. The exception text is logged by type only: it may contain the URL."""
    if isinstance(exc, requests.Timeout):
        return PlatformError(ErrorKind.NETWORK, f"{shop_url} did not answer in time. Try again later.")
    return PlatformError(
        ErrorKind.NETWORK, f"Could not reach {shop_url}. Check the shop URL and your network, then try again."
    )


def _get(
    session: requests.Session,
    credentials: Mapping[str, Any],
    path: str,
    context: PluginContext,
    params: Mapping[str, Any] | None = None,
    *,
    retries: int = 0,
) -> tuple[dict[str, Any], float]:
    """GET a JSON object, retrying transient failures; return it and the seconds waited on 429s.

    Raises PlatformError once retries are spent, at once for failures the merchant must fix.
    """
    shop_url = credentials["shop_url"]
    timeout = _setting(context.settings, TIMEOUT_SETTING, DEFAULT_TIMEOUT)
    backoff = _setting(context.settings, BACKOFF_SETTING, DEFAULT_BACKOFF)
    rate_limit_wait = 0.0
    for attempt in range(retries + 1):
        try:
            response = session.get(f"{shop_url}{path}", params=params, timeout=timeout)
        except requests.RequestException as exc:
            error = _error_for_exception(exc, shop_url)
            log.info("GET %s failed: %s", path, type(exc).__name__)
        else:
            if response.ok:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if isinstance(body, dict):
                    return body, rate_limit_wait
                error = PlatformError(ErrorKind.UNKNOWN, f"{shop_url} answered something other than JSON.")
            else:
                error = _error_for_response(response, shop_url)
            log.info("GET %s answered HTTP %s", path, response.status_code)
        if error.kind.needs_merchant or attempt == retries or context.should_stop():
            raise error
        delay = error.retry_after if error.retry_after is not None else backoff * 2**attempt
        if error.kind is ErrorKind.RATE_LIMITED:
            rate_limit_wait += delay
        time.sleep(delay)
    raise AssertionError("unreachable")  # the loop always returns or raises


# --------------------------------------------------------------------------------------------------
# Connection test
# --------------------------------------------------------------------------------------------------


@hookimpl
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """One real call with the scope a sync needs; expected failures are results, never exceptions."""
    session = _session(credentials, context)
    try:
        # no retries: a merchant is waiting on the form for the answer
        body, _ = _get(session, credentials, "/api/ping", context)  # REPLACE: your cheapest authed call
    except PlatformError as error:
        return ConnectionResult(
            ok=False, message=error.message, error_kind=error.kind, retry_after=error.retry_after
        )
    finally:
        session.close()
    shop = body.get("shop") if isinstance(body.get("shop"), dict) else {}
    count = shop.get("product_count")
    store = StoreInfo(
        name=shop.get("name") or None,
        domain=shop.get("domain") or None,
        secure_url=credentials["shop_url"],
        currency=shop.get("currency") or None,
        product_count=count if isinstance(count, int) and not isinstance(count, bool) else None,
    )
    return ConnectionResult(
        ok=True, message=f"Connected to {store.name or credentials['shop_url']}.", store=store
    )


# --------------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------------


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _product(record: Any) -> Product:
    """Map one API record to a Product; raise ValueError when it is unusable. REPLACE the mapping."""
    if not isinstance(record, dict) or record.get("id") in (None, ""):
        raise ValueError("record has no id")
    if not isinstance(record.get("name"), str) or not record["name"].strip():
        raise ValueError("name is missing")
    price = record.get("price")
    return Product(
        id=str(record["id"]),  # ids are strings everywhere, whatever the platform uses
        name=record["name"],
        sku=record.get("sku") or None,
        description=record.get("description"),
        price=None if price is None else str(price),  # decimals as strings: prices must not drift
        date_modified=_datetime(record.get("updated_at")),
        raw=record,
    )


@hookimpl
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """One page per request, resumable from the API's own cursor (opaque to the hub)."""
    page_size = int(_setting(context.settings, PAGE_SIZE_SETTING, DEFAULT_PAGE_SIZE))
    retries = int(_setting(context.settings, RETRIES_SETTING, DEFAULT_RETRIES))
    params: dict[str, Any] = {"limit": page_size}
    if request.mode is FetchMode.INCREMENTAL and request.modified_since is not None:
        params["updated_since"] = request.modified_since.isoformat()  # REPLACE: your API's filter
    cursor = request.cursor
    session = _session(credentials, context)
    try:
        while not context.should_stop():  # checked between requests, as the contract asks
            body, waited = _get(
                session,
                credentials,
                "/api/products",
                context,
                {**params, "cursor": cursor} if cursor else params,
                retries=retries,
            )
            products: list[Product] = []
            errors: list[RecordError] = []
            records = body.get("products")
            for record in records if isinstance(records, list) else []:
                try:
                    products.append(_product(record))
                except ValueError as exc:  # a bad record is reported, the sync goes on
                    pid = record.get("id") if isinstance(record, dict) else None
                    errors.append(RecordError(None if pid is None else str(pid), str(exc)))
            next_cursor = body.get("next_cursor") or None
            total = body.get("total")
            yield ProductPage(
                products=products,
                errors=errors,
                cursor=next_cursor,
                total=total if isinstance(total, int) else None,
                rate_limit_wait=waited,
                requests=1,
            )
            if next_cursor is None:
                return
            cursor = next_cursor
    finally:
        session.close()


# Optional hooks, when your platform has them (see hub/contract.py): list_product_ids (deletion
# reconcile), fetch_categories, fetch_brands, storefront_product_url, demo_store, register_commands.
