"""Security headers of every response: a strict CSP on the merchant app, HSTS in production, no caching of
authenticated pages. The public widget API sets its own CORS and caching and is left alone here."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

#: no inline script or style anywhere in the merchant app; product thumbnails come from store CDNs
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: http: data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: blueprints whose answers are public and cacheable by design (they set their own headers)
PUBLIC_BLUEPRINTS = ("widget_api",)


def install(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    production = app.config["HUB_ENV"] == "production"
    hsts = f"max-age={int(app.config['HUB_HSTS_SECONDS'])}; includeSubDomains"

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if request.blueprint in PUBLIC_BLUEPRINTS or request.endpoint == "static":
            return response
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        if current_user.is_authenticated:
            # A merchant's pages hold store data and CSRF tokens: never from a shared or back/forward cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Vary", "Cookie")
        return response
