"""Test connection: who the shop is, which scopes the app has, and that products can be read.

Step 1 ``shop { … }`` needs no scope (2 points): it proves the address and the token. Step 2 lists the
granted scopes (``currentAppInstallation.accessScopes``). Step 3 ``products(first: 1)`` plus
``productsCount`` proves ``read_products``. Every failure is returned as a classified result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hub.contract import ConnectionResult, ErrorKind, PlatformError, PluginContext, StopRequested, StoreInfo

from . import queries
from .client import ShopifyClient
from .settings import ShopifySettings

#: what a sync needs; anything else granted is more access than the hub uses
NEEDED_SCOPES = frozenset({"read_products"})
#: read scopes that are harmless to have besides (still named in the least-privilege warning when write)
OPTIONAL_SCOPES = frozenset(
    {"read_inventory", "read_locations", "read_publications", "read_product_listings"}
)


#: a merchant waits for the connection test in the browser: give up on throttling or an outage sooner
TEST_MAX_THROTTLE_WAIT = 10.0
TEST_MAX_RETRIES = 2


def test_connection(
    credentials: Mapping[str, Any], context: PluginContext, *, sleep: Callable[[float], None] = time.sleep
) -> ConnectionResult:
    """Run the three steps; never raise for an expected failure."""
    settings = ShopifySettings.from_mapping(context.settings)
    settings = replace(
        settings,
        max_throttle_wait=min(settings.max_throttle_wait, TEST_MAX_THROTTLE_WAIT),
        max_retries=min(settings.max_retries, TEST_MAX_RETRIES),
    )
    client = ShopifyClient(
        credentials,
        settings,
        user_agent=context.user_agent,
        should_stop=context.should_stop,
        save_credentials=context.save_credentials,
        sleep=sleep,
    )
    try:
        return _test(client)
    except PlatformError as exc:
        return ConnectionResult(
            ok=False, message=exc.message, error_kind=exc.kind, retry_after=exc.retry_after
        )
    except StopRequested:
        return ConnectionResult(
            ok=False, message="The connection test was stopped.", error_kind=ErrorKind.NETWORK
        )
    finally:
        client.close()


def _test(client: ShopifyClient) -> ConnectionResult:
    shop = client.query(queries.SHOP).data.get("shop") or {}
    plan = shop.get("plan") or {}
    domain = shop.get("primaryDomain") or {}
    store = StoreInfo(
        name=shop.get("name"),
        domain=domain.get("host") or shop.get("myshopifyDomain"),
        secure_url=(domain.get("url") or "").rstrip("/") or None,
        currency=shop.get("currencyCode"),
    )
    store.details["Shop"] = str(shop.get("myshopifyDomain") or client.shop)
    if plan.get("publicDisplayName"):
        store.details["Plan"] = str(plan["publicDisplayName"])
    warnings: list[str] = []
    scopes = _granted_scopes(client)
    if scopes is not None:
        store.details["Scopes"] = ", ".join(sorted(scopes)) or "(none)"
        implied = {s.replace("write_", "read_", 1) for s in scopes}
        if not implied >= NEEDED_SCOPES:
            raise PlatformError(ErrorKind.SCOPE, _missing(NEEDED_SCOPES - implied))
        broader = sorted(s for s in scopes if s not in NEEDED_SCOPES | OPTIONAL_SCOPES)
        if broader:
            warnings.append(
                f"The app has more access than the hub needs ({', '.join(broader)}). The hub only reads "
                "products: give the app the read_products scope alone, so a leaked token cannot change "
                "your shop."
            )
    proof = client.query(queries.PROVE_READ_PRODUCTS).data
    count = (proof.get("productsCount") or {}).get("count")
    store.product_count = int(count) if isinstance(count, int) else None
    if client.served_version and client.served_version != client.version:
        warnings.append(
            f"Shopify served API version {client.served_version} instead of {client.version}: the version asked "
            f"for is retired or unknown. Set the API version to {client.served_version} or newer."
        )
    count_text = f" with {store.product_count} products" if store.product_count is not None else ""
    return ConnectionResult(
        ok=True,
        message=f"Connected to {store.name or client.shop}{count_text}.",
        store=store,
        warnings=warnings,
    )


def _granted_scopes(client: ShopifyClient) -> set[str] | None:
    """The app's access scopes, or None when Shopify does not say."""
    try:
        data = client.query(queries.SCOPES).data
    except PlatformError as exc:
        if exc.kind is ErrorKind.UNKNOWN:
            return None  # an older API or a stand-in without the field: step 3 still proves the scope
        raise
    installation = data.get("currentAppInstallation") or {}
    return {str(s.get("handle")) for s in installation.get("accessScopes") or [] if isinstance(s, dict)}


def _missing(scopes: set[str] | frozenset[str]) -> str:
    from .errors import scope_error

    return scope_error(sorted(scopes)[0]).message
