"""The connection test: does the token read the catalog, and what does the store tell about itself."""

from __future__ import annotations

import logging
from typing import Any

from hub.contract import ConnectionResult, ErrorKind, PlatformError, PluginContext, StoreInfo

from .client import BigCommerceClient
from .ratelimit import Stopped
from .scopes import INFORMATION_READ, PRODUCTS_READ

log = logging.getLogger(__name__)

#: the connection test retries a transient failure once: a person is waiting for the answer
CONNECTION_TEST_RETRIES = 1


def _failure(error: PlatformError) -> ConnectionResult:
    return ConnectionResult(
        ok=False, message=error.message, error_kind=error.kind, retry_after=error.retry_after
    )


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _product_count(body: Any) -> int | None:
    """``meta.pagination.total`` of a catalog listing, or None if the body is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    total = pagination.get("total") if isinstance(pagination, dict) else None
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return len(body["data"])


def store_info_from(body: Any, product_count: int | None) -> StoreInfo:
    """Build StoreInfo from a ``GET /v2/store`` body (not wrapped in ``data``)."""
    info = StoreInfo(product_count=product_count)
    if not isinstance(body, dict):
        return info
    info.name = _str(body.get("name"))
    info.domain = _str(body.get("domain"))
    info.secure_url = _str(body.get("secure_url"))
    info.currency = _str(body.get("currency"))
    for label, key in (
        ("Plan", "plan_name"),
        ("Status", "status"),
        ("Store hash", "id"),
        ("Country", "country"),
    ):
        value = _str(body.get(key))
        if value:
            info.details[label] = value
    return info


def test_connection(credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """Check the credentials with the catalog call a sync needs, then read the store's details.

    Pass/fail is ``GET /v3/catalog/products?limit=1&include_fields=id``, which needs only Products
    read-only and also returns the product count. ``GET /v2/store`` (Information & Settings scope) is
    optional enrichment: a 403 there is a warning, not a failure.
    """
    if not credentials.get("store_hash") or not credentials.get("access_token"):
        return ConnectionResult(
            ok=False,
            message="Enter the store hash and the access token of your store-level API account.",
            error_kind=ErrorKind.CONFIG,
        )
    client = BigCommerceClient.from_context(credentials, context)
    try:
        try:
            resp = client.get(
                "/v3/catalog/products",
                {"limit": 1, "include_fields": "id"},
                scope=PRODUCTS_READ,
                max_retries=CONNECTION_TEST_RETRIES,
                rate_limit_retries=0,
            )
        except PlatformError as error:
            return _failure(error)
        count = _product_count(resp.body)
        if count is None:
            return ConnectionResult(
                ok=False,
                message=(
                    "The server answered, but not like BigCommerce's catalog API. Check the "
                    "BIGCOMMERCE_API_URL setting (normally https://api.bigcommerce.com)."
                ),
                error_kind=ErrorKind.UNKNOWN,
            )
        warnings: list[str] = []
        store_body: Any = None
        try:
            store_body = client.get(
                "/v2/store", scope=INFORMATION_READ, max_retries=CONNECTION_TEST_RETRIES
            ).body
        except PlatformError as error:
            if error.kind is ErrorKind.SCOPE:
                warnings.append(
                    f"The optional '{INFORMATION_READ.label}' scope is not granted, so the store's "
                    "name, domain and currency are unknown. Syncing works without it; to show them, "
                    "create an API account with that scope too."
                )
            else:
                warnings.append(f"The store's details could not be read: {error.message}")
        store = store_info_from(store_body, count)
        returned_hash = store.details.get("Store hash")
        if returned_hash and returned_hash.lower() != str(credentials["store_hash"]).lower():
            warnings.append(f"BigCommerce reports the store hash as {returned_hash!r}.")
        name = store.name or f"store {credentials['store_hash']}"
        noun = "product" if count == 1 else "products"
        return ConnectionResult(
            ok=True,
            message=f"Connected to {name}: {count} {noun} in the catalog.",
            store=store,
            warnings=warnings,
        )
    except Stopped:
        return ConnectionResult(
            ok=False, message="The connection test was cancelled.", error_kind=ErrorKind.UNKNOWN
        )
    finally:
        client.close()
