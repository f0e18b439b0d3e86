"""The public widget API and the versioned widget assets, called from shoppers' browsers.

Everything here is GET-only JSON or static files: no cookies are needed, nothing changes state, so it is
exempt from CSRF. CORS answers name only the site's allowed origins. A disabled widget or an unknown key
gets a cacheable ``{"enabled": false}``, never an error page, so a stale snippet costs nothing. Answers
carry public product data only: the platform's product id, never the hub's row ids or anything about
credentials.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from hub.contract import Product as ProductRecord
from hub.contract import StoreInfo
from hub.extensions import csrf, db
from hub.models import Site, WidgetSettings
from hub.ops import metrics
from hub.plugins import current_host
from hub.security.public_url import public_origin
from hub.widget import activity, insights
from hub.widget import assistant as assistant_mod
from hub.widget.ratelimit import UNKNOWN_KEY, RateLimiter
from hub.widget.search import SearchOptions, find, in_stock
from hub.widget.settings import settings_by_key, store_origins

log = logging.getLogger(__name__)
bp = Blueprint("widget_api", __name__, url_prefix="/widget/v1")
csrf.exempt(bp)

ASSETS = Path(__file__).resolve().parent.parent / "static" / "widget"
OFF_MAX_AGE = 300  # an "off" answer may be cached by browsers and CDNs for five minutes
CONFIG_MAX_AGE = 60  # settings changes reach storefronts within a minute
ASSET_MAX_AGE = 3600  # the v1 script: revalidated hourly (ETag), a breaking change gets /widget/v2/


@cache
def _asset(name: str) -> tuple[bytes, str]:
    body = (ASSETS / name).read_bytes()
    return body, hashlib.blake2b(body, digest_size=12).hexdigest()


def _serve_asset(name: str, mimetype: str) -> Response:
    body, etag = _asset(name) if not current_app.debug else _asset.__wrapped__(name)
    resp = Response(body, mimetype=mimetype)
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, stale-while-revalidate=86400"
    # Storefronts load these cross-origin; say so explicitly for pages that isolate themselves (COEP).
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp.make_conditional(request)


@bp.route("/claudery.js")
def script() -> Response:
    """The widget script (framework-free, no eval, no inline styles)."""
    return _serve_asset("claudery.js", "text/javascript")


@bp.route("/claudery.css")
def stylesheet() -> Response:
    """The widget's styles, linked from inside its shadow root (allowed by the host's style-src)."""
    return _serve_asset("claudery.css", "text/css")


# ----- CORS, origins and limits ------------------------------------------------------------------------


def _limiter() -> RateLimiter:
    limiter = current_app.extensions.get("widget_ratelimiter")
    if limiter is None:
        cfg = current_app.config
        limiter = RateLimiter(
            per_client=int(cfg.get("WIDGET_RATE_LIMIT_PER_CLIENT", 60)),
            per_key=int(cfg.get("WIDGET_RATE_LIMIT_PER_KEY", 3000)),
            window=int(cfg.get("WIDGET_RATE_LIMIT_WINDOW", 60)),
            redis_url=cfg.get("REDIS_URL") or "",
        )
        current_app.extensions["widget_ratelimiter"] = limiter
    return limiter


def _hub_origin() -> str:
    return public_origin()


def origin_allowed(settings: WidgetSettings, origin: str | None) -> bool:
    """May a page of ``origin`` use this widget? The hub's own pages (the preview) always may.

    No ``Origin`` header means no cross-origin browser context (same-origin fetch, curl): CORS is a
    browser-enforced boundary, and the data is the public catalog, so such calls are only rate limited.
    """
    if origin is None:
        return True
    origin = origin.strip().lower()
    return origin == _hub_origin().lower() or origin in (settings.allowed_origins or [])


def _json(
    payload: dict, status: int = 200, *, origin: str | None = None, cache: str = "no-store"
) -> Response:
    resp = jsonify(payload)
    resp.status_code = status
    resp.headers["Cache-Control"] = cache
    resp.headers["Vary"] = "Origin"
    if origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
    return resp


def _off(reason: str | None = None) -> Response:
    """The clean, cacheable "nothing to show" answer; readable from any origin (it says nothing)."""
    payload: dict = {"enabled": False}
    if reason:
        payload["reason"] = reason
    resp = _json(payload, cache=f"public, max-age={OFF_MAX_AGE}")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


def _limited(settings: WidgetSettings | None, origin: str | None) -> Response | None:
    """A 429 answer when this client (or the site key as a whole) is over its limit, else None.

    Requests naming no known key are counted too, in one per-client bucket: random keys buy nothing.
    """
    bucket = settings.site_key if settings is not None else UNKNOWN_KEY
    decision = _limiter().check(bucket, request.remote_addr or "-")
    if decision.allowed:
        return None
    metrics.widget_refused(request.endpoint or "-")
    resp = _json({"error": "rate_limited", "retry_after": decision.retry_after}, 429, origin=origin)
    resp.headers["Retry-After"] = str(decision.retry_after)
    return resp


def _is_preview(settings: WidgetSettings, origin: str | None) -> bool:
    # The settings page previews the widget before it is switched on: only for the site's owner, and
    # only on the hub's own origin (the session cookie is not sent cross-site anyway).
    return (
        request.args.get("preview") == "1"
        and (origin is None or origin.lower() == _hub_origin().lower())
        and current_user.is_authenticated
        and settings.site.owner_id == current_user.id
    )


def _resolve(require_enabled: bool = True) -> tuple[WidgetSettings | None, Response | None, str | None]:
    """(settings, early response, origin to allow) for this request's key and origin."""
    key = (request.args.get("key") or "").strip()
    origin = request.headers.get("Origin")
    settings = settings_by_key(key)
    limited = _limited(settings, origin)
    if limited is not None:
        return None, limited, None
    if settings is None:
        return None, _off(), None
    preview = _is_preview(settings, origin)
    if not preview and not origin_allowed(settings, origin):
        if origin and origin.lower().startswith(("http://", "https://")):
            activity.record_refused(settings, origin)  # shown on the Widget page with an "Allow" button
        return None, None, None  # the caller answers as its endpoint requires
    if require_enabled and not settings.enabled and not preview:
        return None, _off(), None
    return settings, None, origin


@bp.route("/config", methods=["GET", "OPTIONS"])
def config() -> Response:
    """The widget's look and language for a site key, or ``{"enabled": false}``."""
    if request.method == "OPTIONS":
        return _preflight()
    settings, early, origin = _resolve()
    if early is not None:
        return early
    if settings is None:
        # A page the merchant did not allow: nothing to show; the reason helps them debug in the console.
        return _off("origin_not_allowed")
    site: Site = settings.site
    info = site.store_info or {}
    payload = {
        "enabled": True,
        "position": settings.position,
        "accent": settings.accent_color,
        "greeting": settings.greeting,
        "language": settings.language,
        "results": settings.results_per_answer,
        "store": info.get("name") or site.name,
        "currency": info.get("currency") or None,
    }
    helper = assistant_mod.load(db.session, site.id)
    payload["assistant"] = {
        "name": helper.name,
        "starters": list(helper.starters),
        "languages": list(helper.languages),
    }
    preview = _is_preview(settings, origin)
    if origin and not preview and origin.lower() != _hub_origin().lower():
        activity.record_seen(settings, origin.lower())
    cache = "no-store" if preview else f"public, max-age={CONFIG_MAX_AGE}"
    metrics.widget_request("config")
    return _json(payload, origin=origin, cache=cache)


@bp.route("/search", methods=["GET", "OPTIONS"])
def search() -> Response:
    """Products of the site's catalog matching ``q``, best first, as the widget settings allow."""
    if request.method == "OPTIONS":
        return _preflight()
    settings, early, origin = _resolve()
    if early is not None:
        return early
    if settings is None:
        return _json({"error": "origin_not_allowed"}, 403)  # no CORS header: the page reads nothing
    query = (request.args.get("q") or "").strip()[:200]
    # The widget asks while the shopper types (partial=1: the last word is a prefix, nothing is counted)
    # and once more when they press Enter.
    partial = request.args.get("partial") == "1"
    opts = SearchOptions(
        include_hidden=settings.include_hidden,
        include_out_of_stock=settings.include_out_of_stock,
        limit=settings.results_per_answer,
    )
    site: Site = settings.site
    currency = (site.store_info or {}).get("currency") or None
    answer = find(db.session, site.id, query, opts, currency=currency, partial=partial) if query else None
    metrics.widget_request("search")
    link = _link_builder(site, settings)
    results = [_public(product, brand, link, currency) for product, brand in (answer.rows if answer else [])]
    payload: dict = {"enabled": True, "query": query, "results": results, "understood": [], "summary": None}
    if answer is not None and answer.understanding is not None:
        u = answer.understanding
        payload["understood"] = [chip.as_dict() for chip in u.chips]
        payload["did_you_mean"] = answer.did_you_mean
        request_ = assistant_mod.AnswerRequest(
            query, u, results, assistant_mod.load(db.session, site.id), settings.language
        )
        payload["summary"] = assistant_mod.summarize(request_)
    resp = _json(payload, origin=origin)
    if query and not partial and not _is_preview(settings, origin):
        activity.count_search_after(resp, site.id)  # after the answer is sent: the shopper never waits on it
        insights.record_after(resp, site.id, query, found=len(results))
    return resp


@bp.route("/click", methods=["GET", "OPTIONS"])
def click() -> Response:
    """A shopper opened a product from the answer to ``q``: counted for the merchant's insights."""
    if request.method == "OPTIONS":
        return _preflight()
    settings, early, origin = _resolve()
    if early is not None:
        return early
    if settings is None:
        return _json({"error": "origin_not_allowed"}, 403)
    query = (request.args.get("q") or "").strip()[:200]
    resp = Response(status=204)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Vary"] = "Origin"
    if origin:
        resp.headers["Access-Control-Allow-Origin"] = origin
    if query and not _is_preview(settings, origin):
        insights.record_after(resp, settings.site_id, query, click=True)
    return resp


def _preflight() -> Response:
    origin = request.headers.get("Origin")
    key = (request.args.get("key") or "").strip()
    settings = settings_by_key(key)
    allowed = settings is not None and origin and origin_allowed(settings, origin)
    limited = _limited(settings, origin if allowed else None)
    if limited is not None:
        return limited
    resp = Response(status=204)
    if allowed:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Methods"] = "GET"
        resp.headers["Access-Control-Max-Age"] = "600"
    resp.headers["Vary"] = "Origin"
    return resp


# ----- public product data ----------------------------------------------------------------------------


def _store_hosts(site: Site, settings: WidgetSettings) -> set[str]:
    """The hosts product links may point to: the store's own (connection test) and the allowed origins."""
    hosts = set()
    for origin in (*store_origins(site), *(settings.allowed_origins or [])):
        host = urlsplit(origin).hostname
        if host:
            hosts.add(host.lower())
    return hosts


def _on_store(url: str, hosts: set[str]) -> bool:
    """Is ``url`` an http(s) URL on one of ``hosts`` or their subdomains (``www.``)?"""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == h or host.endswith("." + h) for h in hosts)


def _link_builder(site: Site, settings: WidgetSettings):
    """A function product -> storefront URL, from the platform plugin (no platform code in the hub).

    Only links to the store's own domains are passed on: a link elsewhere (a plugin bug, or product
    data pointing off-site) would send shoppers to a page the merchant does not control.
    """
    hosts = _store_hosts(site, settings)
    host = current_host()
    if not host.has_platform(site.platform) or not host.supports(site.platform, "storefront_product_url"):
        return lambda product: _store_url(product.url, hosts)
    fields = {f.name for f in dataclasses.fields(StoreInfo)}
    store = StoreInfo(**{k: v for k, v in (site.store_info or {}).items() if k in fields})

    def build(product) -> str | None:
        record = ProductRecord(
            id=product.platform_id,
            name=product.name,
            sku=product.sku,
            url=product.url,
            url_path=product.url_path,
            handle=product.handle,
            brand_ids=list(product.brand_ids or ([product.brand_id] if product.brand_id else [])),
            category_ids=list(product.category_ids or []),
            raw=product.raw or {},
        )
        try:
            url = host.call(site.platform, "storefront_product_url", store=store, product=record)
        except Exception:  # a plugin bug must not break the shopper's answer; the link is just left out
            log.exception("storefront_product_url failed for site %s", site.id)
            return None
        return _store_url(url, hosts)

    return build


def _store_url(url: object, hosts: set[str]) -> str | None:
    return url if isinstance(url, str) and _on_store(url, hosts) else None


def _money(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return None if amount <= 0 else value


def _public(product, brand: str | None, link, currency: str | None) -> dict:
    price, sale = _money(product.price), _money(product.sale_price)
    if sale is not None and price is not None and Decimal(sale) >= Decimal(price):
        sale = None  # not a reduction: show one price
    image = (
        product.thumbnail_url
        if (product.thumbnail_url or "").lower().startswith(("https://", "http://"))
        else None
    )
    return {
        "id": product.platform_id,
        # Names arrive as shoppers should read them (plugins decode their platform's entities); the widget
        # writes them as text, never as HTML.
        "name": product.name,
        "brand": brand,
        "price": price,
        "sale_price": sale,
        "currency": currency,
        "image": image,
        "url": link(product),
        "in_stock": in_stock(product),
    }
