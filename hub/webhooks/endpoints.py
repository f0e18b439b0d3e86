"""A site's webhook endpoint: the unguessable receiving URL and the per-site secret the platform echoes."""

from __future__ import annotations

import secrets

from flask import current_app

from hub import encryption
from hub.extensions import db
from hub.models import Site, WebhookEndpoint

#: the receiving route's prefix (the token follows); see :mod:`hub.webhooks.receive`
PATH_PREFIX = "/webhooks/"


def for_site(site: Site, *, create: bool = False) -> WebhookEndpoint | None:
    """The site's endpoint; with ``create``, made on first use (the caller commits)."""
    endpoint = db.session.query(WebhookEndpoint).filter_by(site_id=site.id).one_or_none()
    if endpoint is None and create:
        endpoint = WebhookEndpoint(
            site_id=site.id,
            token=secrets.token_urlsafe(32),
            secret_encrypted=encryption.encrypt({"secret": secrets.token_urlsafe(32)}),
            state="not_configured",
            reactivations=0,
        )
        db.session.add(endpoint)
        db.session.flush()
    return endpoint


def secret_of(endpoint: WebhookEndpoint) -> str:
    """The endpoint's secret, decrypted (for the plugin only; never shown or logged)."""
    return str(encryption.decrypt(endpoint.secret_encrypted)["secret"])


def target_url(endpoint: WebhookEndpoint) -> str | None:
    """The public URL the platform must deliver to, or None without ``HUB_PUBLIC_URL``."""
    public = current_app.config.get("HUB_PUBLIC_URL") or ""
    return f"{public}{PATH_PREFIX}{endpoint.token}" if public else None
