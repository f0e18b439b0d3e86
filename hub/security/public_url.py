"""The hub's public origin, for the embed snippet and callback URLs.

Behind a reverse proxy the request the hub sees says ``http://127.0.0.1:8000``; with
``HUB_TRUSTED_PROXIES=N`` the last N proxies' ``X-Forwarded-For/Proto/Host/Port`` are believed
(Werkzeug's ``ProxyFix``), so per-shopper limits key on the real client and URLs use the public scheme and
host. ``HUB_PUBLIC_URL`` wins over both when set.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix


def install(app: Flask) -> None:
    """Trust ``HUB_TRUSTED_PROXIES`` proxies' forwarding headers (none by default: they are forgeable)."""
    hops = int(app.config.get("HUB_TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def public_origin() -> str:
    """``HUB_PUBLIC_URL`` when set, else the scheme and host this request came to (after ``ProxyFix``)."""
    return current_app.config.get("HUB_PUBLIC_URL") or request.host_url.rstrip("/")
