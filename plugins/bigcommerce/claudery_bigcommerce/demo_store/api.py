"""The store API handlers: ``/v3/catalog/...``, ``/v3/hooks`` and ``/v2/store``, ``/v2/time``."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from claudery_bigcommerce.demo_store import filters as flt
from claudery_bigcommerce.demo_store.catalog import Pieces
from claudery_bigcommerce.demo_store.faults import malform
from claudery_bigcommerce.demo_store.formats import dumps, loads
from claudery_bigcommerce.demo_store.responses import Response, ok, v3_error

if TYPE_CHECKING:
    from claudery_bigcommerce.demo_store.app import Account, DemoStoreApp, StoreState

DEFAULT_LIMIT, MAX_LIMIT = 50, 250
INCLUDES = ("variants", "images", "custom_fields", "primary_image", "options", "modifiers", "bulk_pricing_rules",
            "videos", "channels", "parent_relations", "reviews")  # fmt: skip
EMPTY_INCLUDES = {"modifiers": b"[]", "bulk_pricing_rules": b"[]", "videos": b"[]", "channels": b"[1]",
                  "parent_relations": b"[]", "reviews": b"[]"}  # fmt: skip


class Request:
    """One parsed API request (``params`` keeps the first value of each query parameter)."""

    def __init__(self, app: DemoStoreApp, store: StoreState, account: Account, method: str, parts: list[str],
                 params: Mapping[str, str], raw_query: str, body: bytes) -> None:  # fmt: skip
        self.app, self.store, self.account = app, store, account
        self.method, self.parts, self.params, self.raw_query, self.body = (
            method,
            parts,
            params,
            raw_query,
            body,
        )


def page_params(req: Request, *, max_limit: int = MAX_LIMIT) -> tuple[int, int] | Response:
    """Return (page, limit) or the documented error for a bad or too-large limit."""
    try:
        page = flt.as_int(req.params, "page", 1) or 1
        limit = flt.as_int(req.params, "limit", DEFAULT_LIMIT)
    except flt.QueryError as exc:
        return v3_error(exc.status, exc.title, errors={})
    assert limit is not None
    if page < 1 or limit < 1:
        name = "page" if page < 1 else "limit"
        return v3_error(422, f'Query parameter "{name}" value must be greater than 0.', errors={})
    if limit > MAX_LIMIT:
        mode = req.app.config.limit_over_max
        if mode == "clamp":
            limit = MAX_LIMIT
        else:
            status = 422 if mode == "422" else 413
            return v3_error(
                status, "The specified limit exceeds the maximum allowed.", errors={"limit": str(MAX_LIMIT)}
            )
    return page, min(limit, max_limit)


def pagination(req: Request, total: int, count: int, page: int, limit: int) -> bytes:
    """Return the ``meta`` object: pagination with relative ``?...`` links (previous/next only if they exist)."""
    total_pages = math.ceil(total / limit) if total else 0
    kept = [p for p in req.raw_query.split("&") if p and not p.startswith("page=")]
    if not any(p.startswith("limit=") for p in kept):
        kept.append(f"limit={limit}")
    prefix = "?" + "&".join(kept) + "&page="
    links = {}
    if page > 1:
        links["previous"] = f"{prefix}{page - 1}"
    links["current"] = f"{prefix}{page}"
    if page < total_pages:
        links["next"] = f"{prefix}{page + 1}"
    return dumps({"pagination": {"total": total, "count": count, "per_page": limit, "current_page": page,
                                 "total_pages": total_pages, "links": links, "too_many": False}})  # fmt: skip


def field_sets(params: Mapping[str, str]) -> tuple[set[str] | None, set[str]]:
    """Return (include_fields or None, exclude_fields); ``id`` is always kept."""
    inc = params.get("include_fields")
    exc = params.get("exclude_fields")
    include = {f.strip() for f in inc.split(",") if f.strip()} | {"id"} if inc else None
    exclude = {f.strip() for f in exc.split(",") if f.strip()} - {"id"} if exc else set()
    return include, exclude


def project(item: dict, include: set[str] | None, exclude: set[str]) -> dict:
    """Apply include_fields / exclude_fields to one object."""
    if include is not None:
        item = {k: v for k, v in item.items() if k in include}
    if exclude:
        item = {k: v for k, v in item.items() if k not in exclude}
    return item


# -- products -----------------------------------------------------------------------------------------
def _includes(params: Mapping[str, str]) -> list[str]:
    raw = params.get("include") or ""
    wanted = {s.strip() for s in raw.split(",")}
    return [name for name in INCLUDES if name in wanted]


def render_product(req: Request, p: Pieces, includes: list[str], fields: tuple[set[str] | None, set[str]],
                   malformed: str) -> bytes:  # fmt: skip
    """Serialize one product; byte concatenation of cached pieces on the common (unprojected) path."""
    sub_limit = req.app.config.subresource_limit
    include, exclude = fields
    if include is None and not exclude and not malformed and not sub_limit:
        out = [p.base]
        for name in includes:
            out.append(b',"' + name.encode() + b'":')
            out.append(EMPTY_INCLUDES[name] if name in EMPTY_INCLUDES else getattr(p, name))
        out.append(b"}")
        return b"".join(out)
    product = project(loads(p.base + b"}"), include, exclude)
    for name in includes:
        if name in exclude:
            continue
        value = loads(EMPTY_INCLUDES[name] if name in EMPTY_INCLUDES else getattr(p, name))
        if sub_limit and isinstance(value, list):
            value = value[:sub_limit]
        product[name] = value
    if malformed:
        malform(product, malformed)
    return dumps(product)


def list_products(req: Request) -> Response:
    """``GET /v3/catalog/products``: filters, sort, include / include_fields / exclude_fields, paging."""
    includes = _includes(req.params)
    # "When you specify options or modifiers, results are limited to 10 per page."
    paging = page_params(
        req, max_limit=10 if ("options" in includes or "modifiers" in includes) else MAX_LIMIT
    )
    if isinstance(paging, Response):
        return paging
    page, limit = paging
    cat = req.store.catalog
    cfg = req.app.config
    try:
        ids = flt.select_products(cat, req.params, default_sort=cfg.default_sort,
                                  date_only_uses_request_time=cfg.date_only_uses_request_time)  # fmt: skip
    except flt.QueryError as exc:
        return v3_error(exc.status, exc.title, errors={})
    chunk = ids[(page - 1) * limit : page * limit]
    if cfg.prefetch:
        cat.prefetch(ids[page * limit : (page + 1) * limit])
    fields = field_sets(req.params)
    faults = req.app.faults
    products = cat.pieces_many(chunk)  # (products deleted while this request ran are left out)
    parts = [b'{"data":[']
    if fields == (None, set()) and not cfg.subresource_limit and not faults.damaging:
        # The common path: the page is one join of cached byte pieces, nothing parsed or re-serialized.
        pairs = [(b',"' + name.encode() + b'":', EMPTY_INCLUDES.get(name), name) for name in includes]
        for _, p in products:
            parts.append(p.base)
            for head, empty, name in pairs:
                parts += (head, empty or getattr(p, name))
            parts.append(b"},")
    else:
        for pid, p in products:
            parts += (render_product(req, p, includes, fields, faults.malformed_kind(pid)), b",")
    if products:
        parts[-1] = parts[-1][:-1]  # no comma after the last product
    parts += (b'],"meta":', pagination(req, len(ids), len(products), page, limit), b"}")
    body = b"".join(parts)
    faults.after_product_list(cat)
    return Response(200, body)


def get_product(req: Request, pid: int) -> Response:
    """``GET /v3/catalog/products/{id}`` with include / include_fields / exclude_fields."""
    cat = req.store.catalog
    try:
        pieces = cat.pieces(pid)
    except KeyError:
        return v3_error(404)
    data = render_product(req, pieces, _includes(req.params), field_sets(req.params),
                          req.app.faults.malformed_kind(pid))  # fmt: skip
    return Response(200, b'{"data":' + data + b',"meta":{}}')


def list_items(req: Request, items: list[dict], *, empty_204: bool = False) -> Response:
    """A paginated v3 list of plain objects, with include_fields / exclude_fields."""
    paging = page_params(req)
    if isinstance(paging, Response):
        return paging
    page, limit = paging
    if not items and empty_204:
        return Response(204, b"")
    fields = field_sets(req.params)
    chunk = [project(i, *fields) for i in items[(page - 1) * limit : page * limit]]
    return Response(200, b'{"data":' + dumps(chunk) + b',"meta":' + pagination(req, len(items), len(chunk), page,
                                                                                 limit) + b"}")  # fmt: skip


def product_subresource(req: Request, pid: int, name: str, sub_id: int | None) -> Response:
    """``/products/{id}/variants|images|custom-fields[/{sub_id}]``."""
    cat = req.store.catalog
    try:
        _, variants, images, custom_fields, _ = cat.build(pid)
    except KeyError:
        return v3_error(404)
    items = {"variants": variants, "images": images, "custom-fields": custom_fields}[name]
    if sub_id is not None:
        found = next((i for i in items if i["id"] == sub_id), None)
        return v3_error(404) if found is None else ok(project(found, *field_sets(req.params)))
    return list_items(req, items, empty_204=name == "images" and req.app.config.empty_images_204)


# -- categories and brands --------------------------------------------------------------------------------
def list_taxonomy(req: Request, items: list[dict], sorts: tuple[str, ...]) -> Response:
    """``GET /v3/catalog/categories`` and ``/brands``: id filters, name, parent_id, is_visible, keyword, sort."""
    p = req.params
    try:
        checks = _taxonomy_checks(p)
    except flt.QueryError as exc:
        return v3_error(exc.status, exc.title, errors={})
    out = [i for i in items if all(c(i) for c in checks)]
    sort = p.get("sort")
    if sort:
        if sort not in sorts:
            return v3_error(
                422, f'Query parameter "sort" value must be one of {", ".join(sorts)}.', errors={}
            )
        out.sort(key=lambda i: (i[sort], i["id"]))
    if (p.get("direction") or "asc").lower() == "desc":
        out.reverse()
    return list_items(req, out)


def _taxonomy_checks(p: Mapping[str, str]) -> list:
    checks: list = []
    for name, op in (("id", int.__eq__), ("id:min", int.__ge__), ("id:max", int.__le__),
                     ("id:greater", int.__gt__), ("id:less", int.__lt__), ("parent_id", int.__eq__)):  # fmt: skip
        value = flt.as_int(p, name)
        if value is not None:
            key = "parent_id" if name == "parent_id" else "id"
            checks.append(lambda i, v=value, o=op, k=key: o(i.get(k, 0), v))
    return checks + _in_list_checks(p, ("id",)) + _name_checks(p)


def _in_list_checks(p: Mapping[str, str], keys: tuple[str, ...]) -> list:
    """``{key}:in`` and ``{key}:not_in`` integer lists, for each of ``keys`` (a field of the items)."""
    checks: list = []
    for key in keys:
        for suffix, keep in ((":in", True), (":not_in", False)):
            values = flt.as_int_list(p, key + suffix)
            if values is not None:
                checks.append(lambda i, s=set(values), k=keep, f=key: (i[f] in s) is k)
    return checks


def _name_checks(p: Mapping[str, str]) -> list:
    """``name`` (exact), ``name:like`` and ``keyword`` (case-insensitive, in the name), ``is_visible``."""
    checks: list = []
    if "name" in p:
        checks.append(lambda i: i["name"] == p["name"])
    for needle in (p[key].lower() for key in ("name:like", "keyword") if key in p):
        checks.append(lambda i, n=needle: n in i["name"].lower())
    visible = flt.as_bool(p, "is_visible")
    if visible is not None:
        checks.append(lambda i: i.get("is_visible", True) is visible)
    return checks


#: the one category tree of a single-storefront store, on its default channel
TREE = {"id": 1, "name": "Default", "channels": [1]}
_TREE_ITEM_KEYS = ("description", "views", "sort_order", "page_title", "meta_keywords", "meta_description",
                   "layout_file", "image_url", "is_visible", "search_keywords", "default_product_sort")  # fmt: skip


def list_trees(req: Request) -> Response:
    """``GET /v3/catalog/trees``: the store's category trees (one), ``id:in`` and ``channel_id:in``."""
    try:
        ids, channels = flt.as_int_list(req.params, "id:in"), flt.as_int_list(req.params, "channel_id:in")
    except flt.QueryError as exc:
        return v3_error(exc.status, exc.title, errors={})
    keep = (ids is None or TREE["id"] in ids) and (channels is None or set(channels) & set(TREE["channels"]))
    return list_items(req, [TREE] if keep else [])


def tree_item(category: dict) -> dict:
    """A category as ``GET /v3/catalog/trees/categories`` lists it: ``category_id``, ``tree_id``, ``url``."""
    url = category.get("custom_url") or {}
    return {
        "category_id": category["id"],
        "category_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"category/{category['id']}")),
        "tree_id": TREE["id"], "parent_id": category["parent_id"], "name": category["name"],
        **{key: category[key] for key in _TREE_ITEM_KEYS if key in category},
        "url": {"path": url.get("url", ""), "is_customized": url.get("is_customized", False)},
    }  # fmt: skip


def list_tree_categories(req: Request, categories: list[dict]) -> Response:
    """``GET /v3/catalog/trees/categories``: every tree's categories; ``category_id``, ``tree_id`` and
    ``parent_id`` in/not_in lists, ``name``, ``name:like``, ``keyword``, ``is_visible``."""
    try:
        checks = _in_list_checks(req.params, ("category_id", "tree_id", "parent_id")) + _name_checks(
            req.params
        )
    except flt.QueryError as exc:
        return v3_error(exc.status, exc.title, errors={})
    items = [item for item in map(tree_item, categories) if all(c(item) for c in checks)]
    return list_items(req, items)


def get_by_id(req: Request, items: list[dict], item_id: int) -> Response:
    """A single category or brand."""
    found = next((i for i in items if i["id"] == item_id), None)
    return v3_error(404) if found is None else ok(project(found, *field_sets(req.params)))


def summary(req: Request) -> Response:
    """``GET /v3/catalog/summary``."""
    return ok(req.store.catalog.summary())


# -- v2 -------------------------------------------------------------------------------------------------
def v2_store(req: Request) -> Response:
    """``GET /v2/store``: store information, not wrapped in ``data``."""
    h = req.store.hash
    info: dict[str, Any] = {
        "id": h, "account_uuid": "8d4d492f-17a1-4d95-b396-e1c5720815a5", "domain": f"{h}.demo.claudery.test",
        "secure_url": f"https://{h}.demo.claudery.test", "control_panel_base_url": f"https://store-{h}.mybigcommerce.com",
        "status": "live", "name": req.store.name, "first_name": "Demo", "last_name": "Merchant",
        "address": "1 Demo Street, Austin, TX 78701", "country": "United States", "country_code": "US",
        "infrastructure_region": "us-central1", "phone": "", "admin_email": "demo@example.com",
        "order_email": "orders@example.com", "favicon_url": "", "language": "en",
        "timezone": {"name": "America/Chicago", "raw_offset": -21600, "dst_offset": -18000, "dst_correction": True,
                     "date_format": {"display": "M jS Y", "export": "M jS Y", "extended_display": "M jS Y @ g:i A"}},
        "currency": "USD", "currency_symbol": "$", "decimal_separator": ".", "thousands_separator": ",",
        "decimal_places": 2, "currency_symbol_location": "left", "weight_units": "Ounces",
        "dimension_units": "Inches", "dimension_decimal_places": "2", "dimension_decimal_token": ".",
        "dimension_thousands_token": ",", "plan_name": "Standard", "plan_level": "Standard", "plan_is_trial": False,
        "industry": "Home & Garden", "logo": [], "is_price_entered_with_tax": False, "store_id": req.store.store_id,
        "default_channel_id": 1, "default_site_id": 1000, "active_comparison_modules": [],
        "features": {"stencil_enabled": True, "sitewidehttps_enabled": True, "facebook_catalog_id": "",
                     "checkout_type": "optimized", "wishlists_enabled": False, "graphql_storefront_api_enabled": True,
                     "shopper_consent_tracking_enabled": False, "multi_storefront_enabled": True,
                     "storefront_limits": {"active": 1, "total_including_inactive": 1}},
    }  # fmt: skip
    return Response(200, dumps(info))


def v2_time(req: Request) -> Response:
    """``GET /v2/time``: ``{"time": unix seconds}``."""
    return Response(200, dumps({"time": int(time.time())}))
