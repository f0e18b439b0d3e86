"""The Template Platform plugin: every hook of the plugin contract (version 2), against a made-up API.

Copy this package to start a new platform (see ``README.md``, which also lists every hook with what it
promises). Each ``@hookimpl`` below implements a hook of :mod:`hub.contract.hookspecs`; the hub calls a
platform hook with the platform key first, but only ever for this plugin's own key, so it is not
checked. What talks to the made-up API is marked "REPLACE"; the API itself is described (and faked) in
:mod:`claudery_template.fake_api`. The modules:

* :mod:`~claudery_template.credentials`: the credential form (schema, cleaning, validation);
* :mod:`~claudery_template.api`: HTTP, retries, stop checks, the HTTP status → ``ErrorKind`` mapping;
* :mod:`~claudery_template.listing`: the two listing styles (wrapped objects with a cursor, or bare
  arrays with totals and links in headers) and how each resumes exactly from a cursor;
* :mod:`~claudery_template.parsing`: platform records → ``Product``/``Category``;
* :mod:`~claudery_template.fake_api`: the tiny fake API server behind ``demo_store`` and the tests.

Hooks: **required** ``platform_info``, ``credential_schema``, ``normalize_credentials``,
``test_connection``, ``fetch_products``. **Optional**, implemented here and declared by a capability:
``list_product_ids`` (``LIST_IDS``), ``fetch_products_by_ids`` (``FETCH_BY_IDS``), ``fetch_categories``
(``TAXONOMY``). **Optional**, no capability: ``admin_product_url``, ``demo_store``. **Optional, not
implemented** (the hub manages without them): ``fetch_brands`` (this platform has no brands),
``storefront_product_url`` (``Product.url`` is filled, the hub uses it), ``embed_instructions``
(generic instructions), and the host hooks ``register_commands`` and ``register_routes``.

Every platform hook may raise :class:`~hub.contract.StopRequested` when ``context.should_stop()`` is
True (the hub ends the run as cancelled, or resumes it from its cursor after a shutdown) and
:class:`~hub.contract.PlatformError` when a failure ends the call after the plugin's own retries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from marshmallow import Schema

from claudery_template.api import TemplateApi, setting, unexpected
from claudery_template.credentials import TemplateCredentials
from claudery_template.fake_api import FakeApiServer, FakeShop, FakeShopAdmin
from claudery_template.listing import LISTINGS
from claudery_template.parsing import parse_category, parse_products
from hub.contract import (
    Capability,
    Category,
    ConnectionResult,
    DemoStoreHandle,
    FetchRequest,
    PlatformError,
    PlatformInfo,
    PluginContext,
    ProductPage,
    RecordError,
    StoreInfo,
    hookimpl,
)

PLATFORM_KEY = "template"  # REPLACE: your platform's key, [a-z0-9_]+; stored with every site

# Settings (``context.settings`` holds only ``TEMPLATE_*`` keys and ``HUB_HTTP_*``); see also api.py.
PAGE_SIZE_SETTING, DEFAULT_PAGE_SIZE = "TEMPLATE_PAGE_SIZE", 100
#: which listing style ``fetch_products`` uses: "wrapped" or "bare". The made-up platform offers both
#: so the template can show both; a real plugin keeps the one its platform has and drops this setting.
LISTING_SETTING, DEFAULT_LISTING = "TEMPLATE_LISTING", "wrapped"
#: products in the demo store that ``demo_store`` starts, and whether one of them is malformed (tests)
DEMO_PRODUCTS_SETTING, DEFAULT_DEMO_PRODUCTS = "TEMPLATE_DEMO_PRODUCTS", 25
DEMO_MALFORMED_SETTING = "TEMPLATE_DEMO_MALFORMED"
#: ids per request of ``fetch_products_by_ids`` and ``list_product_ids`` (the platform's maximum)
IDS_PER_REQUEST = 50


# --------------------------------------------------------------------------------------------------
# Identity (required)
# --------------------------------------------------------------------------------------------------


@hookimpl
def platform_info() -> PlatformInfo:
    """Declare the platform, the contract version this plugin was built for, and what it can do.

    Declare a capability only when it is true: the engine plans every run from them, and the
    conformance suite checks each against the platform (``EXACT_PAGING`` by deleting products between
    pages, ``INCREMENTAL`` by changing some and fetching what changed).
    """
    return PlatformInfo(
        key=PLATFORM_KEY,
        display_name="Template Platform",  # REPLACE: the name merchants know
        description="A made-up platform: the skeleton to copy for a new one.",
        docs_url="https://example.com/template-platform/api-tokens",  # REPLACE: how to create credentials
        contract_version=2,
        capabilities=frozenset(
            {
                Capability.TAXONOMY,  # fetch_categories
                Capability.LIST_IDS,  # list_product_ids
                Capability.FETCH_BY_IDS,  # fetch_products_by_ids
                Capability.EXACT_PAGING,  # keyset cursor (wrapped) / guarded offsets (bare): listing.py
                Capability.INCREMENTAL,  # the API filters by updated_since (inclusive)
            }
        ),
    )


# --------------------------------------------------------------------------------------------------
# Credentials (required)
# --------------------------------------------------------------------------------------------------


@hookimpl
def credential_schema(platform: str) -> type[Schema]:
    """The schema *class*: the hub instantiates it itself."""
    return TemplateCredentials


@hookimpl
def normalize_credentials(platform: str, data: dict[str, str]) -> dict[str, Any]:
    """Clean and validate pasted credentials; no network here (it runs while the form renders)."""
    return TemplateCredentials().load(data)


# --------------------------------------------------------------------------------------------------
# Connection test (required)
# --------------------------------------------------------------------------------------------------


@hookimpl
def test_connection(platform: str, credentials: dict[str, Any], context: PluginContext) -> ConnectionResult:
    """One real call with the scope a sync needs; expected failures are results, never exceptions."""
    # no retries: a merchant is waiting on the form for the answer
    with TemplateApi(credentials, context, retries=0) as api:
        try:
            body = api.get("/api/ping").json  # REPLACE: your cheapest call that needs the sync's scope
        except PlatformError as error:
            return ConnectionResult(
                ok=False, message=error.message, error_kind=error.kind, retry_after=error.retry_after
            )
    shop = body.get("shop") if isinstance(body, dict) and isinstance(body.get("shop"), dict) else {}
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
# Products (fetch_products required; the others optional)
# --------------------------------------------------------------------------------------------------


@hookimpl
def fetch_products(
    platform: str, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the catalog page by page; each page's cursor resumes right after it.

    ``request.mode`` is FULL (every product) or INCREMENTAL (``date_modified >= modified_since``, asked
    only because INCREMENTAL is declared); ``request.cursor`` is None to start, or the cursor of the
    last page the hub committed, with the same mode and ``modified_since`` as the first call. A stop
    raises StopRequested before the next request (in ``TemplateApi.get``).
    """
    page_size = int(setting(context.settings, PAGE_SIZE_SETTING, DEFAULT_PAGE_SIZE))
    listing = LISTINGS.get(str(context.settings.get(LISTING_SETTING, DEFAULT_LISTING)), LISTINGS["wrapped"])
    with TemplateApi(credentials, context) as api:
        for raw in listing(api, request, page_size):
            products, errors = parse_products(raw.records, api.shop_url)
            yield ProductPage(
                products=products,
                errors=errors,
                cursor=raw.cursor,
                total=raw.total,
                rate_limit_wait=raw.rate_limit_wait,
                requests=raw.requests,
            )


@hookimpl
def fetch_products_by_ids(
    platform: str, credentials: dict[str, Any], ids: list[str], context: PluginContext
) -> Iterator[ProductPage]:
    """Yield the products with these ids (the hub repairs and refreshes with it); missing ids are skipped."""
    numeric = [pid for pid in dict.fromkeys(ids) if pid.isdigit()]  # this platform's ids are integers
    with TemplateApi(credentials, context) as api:
        for start in range(0, len(numeric), IDS_PER_REQUEST):
            chunk = numeric[start : start + IDS_PER_REQUEST]
            reply = api.get("/api/products", {"ids": ",".join(chunk), "limit": len(chunk)})
            records = reply.json.get("data") if isinstance(reply.json, dict) else None
            if not isinstance(records, list):
                raise unexpected(api, "a listing without a data array")
            products, errors = parse_products(records, api.shop_url)
            yield ProductPage(
                products=products,
                errors=errors,
                requests=reply.requests,
                rate_limit_wait=reply.rate_limit_wait,
            )


@hookimpl
def list_product_ids(platform: str, credentials: dict[str, Any], context: PluginContext) -> Iterator[str]:
    """Yield every current product id, cheaply (ids only), keyset-paged so it is exact under change.

    The hub archives stored products missing from this listing, but only when the iterator ran to
    its end; so on a stop, raising StopRequested (as ``TemplateApi.get`` does) is all it takes. There
    are no pages to carry the work done: report it through ``context.record_usage``.
    """
    after: int | None = None
    with TemplateApi(credentials, context) as api:
        while True:
            params = {"limit": IDS_PER_REQUEST, **({"after": after} if after is not None else {})}
            reply = api.get("/api/product_ids", params)
            context.record_usage(requests=reply.requests, rate_limit_wait=reply.rate_limit_wait)
            body = reply.json if isinstance(reply.json, dict) else {}
            ids, meta = body.get("data"), body.get("meta") if isinstance(body.get("meta"), dict) else {}
            if not isinstance(ids, list):
                raise unexpected(api, "an id listing without a data array")
            yield from (str(pid) for pid in ids)
            after = meta.get("next_after")
            if after is None:
                return


# --------------------------------------------------------------------------------------------------
# Taxonomy (optional; Capability.TAXONOMY)
# --------------------------------------------------------------------------------------------------


@hookimpl
def fetch_categories(
    platform: str, credentials: dict[str, Any], context: PluginContext
) -> Iterator[Category | RecordError]:
    """Yield every category; an unreadable one as a RecordError (the hub then deletes no stored one)."""
    with TemplateApi(credentials, context) as api:
        reply = api.get("/api/categories")  # REPLACE: page it like products if your platform pages it
        context.record_usage(requests=reply.requests, rate_limit_wait=reply.rate_limit_wait)
        records = reply.json.get("data") if isinstance(reply.json, dict) else None
        if not isinstance(records, list):
            raise unexpected(api, "a category listing without a data array")
        for record in records:
            yield parse_category(record)


# --------------------------------------------------------------------------------------------------
# Links and the demo store (optional)
# --------------------------------------------------------------------------------------------------


@hookimpl
def admin_product_url(platform: str, credentials: Mapping[str, Any], product_id: str) -> str | None:
    """Where the merchant edits a product; ``credentials`` holds only the non-secret fields."""
    shop_url = credentials.get("shop_url")
    return f"{shop_url}/admin/products/{product_id}" if shop_url and product_id.isdigit() else None


@hookimpl
def demo_store(platform: str, settings: Mapping[str, Any]) -> DemoStoreHandle:
    """Start the fake API on a local port: the hub's quick start and the conformance suite use it.

    ``admin`` lets the conformance suite's live checks create, rename and delete products.
    """
    products = int(setting(settings, DEMO_PRODUCTS_SETTING, DEFAULT_DEMO_PRODUCTS))
    malformed = bool(setting(settings, DEMO_MALFORMED_SETTING, 0))
    server = FakeApiServer(FakeShop(products, malformed=malformed)).start()
    credentials = normalize_credentials(
        PLATFORM_KEY, {"shop_url": server.base_url, "api_token": server.shop.token}
    )
    return DemoStoreHandle(
        base_url=server.base_url,
        credentials=credentials,
        settings={},  # the shop URL is a credential here, so the hub needs no setting to reach it
        stop=server.stop,
        admin=FakeShopAdmin(server.shop),
    )
