"""Registering a site's hooks at the platform, checking them, re-creating deactivated ones, removing them.

States shown on the sync page: ``not_configured`` (no ``HUB_PUBLIC_URL``, or the platform has no webhooks),
``active``, ``deactivated`` (the platform disabled them after failed deliveries; the periodic check
re-registers), ``missing`` and ``failed`` (the platform refused: the message says why).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from rq import Queue
from sqlalchemy import select

from hub import credentials
from hub.connection import plugin_context
from hub.contract import Capability, PlatformError, WebhookState
from hub.extensions import db
from hub.models import Site, WebhookEndpoint
from hub.models.base import utcnow
from hub.plugins import PlatformNotFound, current_host
from hub.webhooks import endpoints, pending

log = logging.getLogger(__name__)

REGISTER_JOB = "hub.webhooks.lifecycle.register_job"


def supported(site: Site) -> bool:
    """True when the site's plugin declares webhooks and can fetch by id (how changes are applied)."""
    host = current_host()
    try:
        info = host.platform(site.platform or "")
    except PlatformNotFound:
        return False
    return info.has(Capability.WEBHOOKS) and info.has(Capability.FETCH_BY_IDS)


def configured() -> bool:
    """Webhooks need a public URL the platform can reach."""
    return bool(current_app.config.get("HUB_PUBLIC_URL"))


def after_connect(site: Site) -> None:
    """A connection test passed (connect, Save & test): register in a worker, if webhooks can work.

    Never fails the caller: without Redis the scheduled syncs still keep the catalog current.
    """
    if not (site.last_test_ok and supported(site) and configured()):
        return
    try:
        queue = Queue(current_app.config["HUB_QUEUE"], connection=pending.redis())
        queue.enqueue(REGISTER_JOB, site.id, job_timeout=300, result_ttl=600,
                      description=f"register webhooks of site {site.id}")  # fmt: skip
    except Exception:
        log.exception("could not queue the webhook registration of site %s", site.id)


def register_job(site_id: int) -> str:
    """RQ job: register the site's hooks."""
    site = db.session.get(Site, site_id)
    return register(site) if site is not None else "gone"


#: shown to the merchant when the hub has no public address for platforms to deliver to (the operator's
#: HUB_PUBLIC_URL, see the README): what it means for them, not the setting's name
NOT_CONFIGURED = (
    "Live updates are not switched on for this hub yet (its operator gives it a public address). "
    "Scheduled syncs keep your catalog current meanwhile."
)


def register(site: Site) -> str:
    """Create or re-enable the site's hooks now; records and returns the new state (committed)."""
    endpoint = endpoints.for_site(site, create=True)
    if not supported(site) or not configured():
        endpoint.state = "not_configured"
        endpoint.message = (
            NOT_CONFIGURED
            if supported(site)
            else "This platform's plugin does not offer webhooks; scheduled syncs keep the catalog current."
        )
        db.session.commit()
        return endpoint.state
    host = current_host()
    try:
        result = host.call(
            site.platform,
            "register_webhooks",
            credentials=credentials.stored(site),
            target_url=endpoints.target_url(endpoint),
            secret=endpoints.secret_of(endpoint),
            context=plugin_context(host, site.platform),
        )
        endpoint.state = WebhookState(result.state).value
        endpoint.message = result.message
        endpoint.registered_at = endpoint.checked_at = utcnow()
    except PlatformError as exc:
        endpoint.state, endpoint.message = "failed", exc.message
        endpoint.checked_at = utcnow()
    db.session.commit()
    return endpoint.state


def check(site: Site, endpoint: WebhookEndpoint) -> str:
    """Ask the platform how the hooks stand; re-register deactivated or missing ones (committed)."""
    host = current_host()
    target = endpoints.target_url(endpoint)
    try:
        status = host.call(
            site.platform,
            "webhook_status",
            credentials=credentials.stored(site),
            target_url=target,
            context=plugin_context(host, site.platform),
        )
    except PlatformError as exc:
        endpoint.checked_at, endpoint.message = utcnow(), exc.message
        db.session.commit()
        return endpoint.state
    endpoint.checked_at = utcnow()
    if status.state == WebhookState.ACTIVE:
        endpoint.state, endpoint.message = "active", status.message
        db.session.commit()
        return endpoint.state
    log.warning("webhooks of site %s are %s at the platform; registering again", site.id, status.state)
    endpoint.reactivations = (endpoint.reactivations or 0) + 1
    db.session.commit()
    return register(site)


def check_due() -> int:
    """The worker's periodic pass: check endpoints not checked for ``HUB_WEBHOOK_CHECK_SECONDS``.

    Also restarts the flush of a site whose flush job died with changes pending. Returns sites checked.
    """
    if not configured():
        return 0
    due = utcnow() - timedelta(seconds=float(current_app.config["HUB_WEBHOOK_CHECK_SECONDS"]))
    rows = db.session.execute(
        select(WebhookEndpoint, Site)
        .join(Site, Site.id == WebhookEndpoint.site_id)
        .where(WebhookEndpoint.state != "not_configured")
        .where((WebhookEndpoint.checked_at.is_(None)) | (WebhookEndpoint.checked_at < due))
    ).all()
    checked = 0
    for endpoint, site in rows:
        if not supported(site) or site.connection_status != "connected":
            continue
        try:
            check(site, endpoint)
        except Exception:
            db.session.rollback()
            log.exception("checking the webhooks of site %s failed", site.id)
        checked += 1
    for (site_id,) in db.session.execute(select(WebhookEndpoint.site_id)).all():
        if pending.redis().llen(pending.pending_key(site_id)):
            pending.schedule_flush(site_id)
    return checked


def unregister(site: Site) -> None:
    """Remove the site's hooks at the platform (site deletion); best effort, never raises."""
    endpoint = endpoints.for_site(site)
    if endpoint is None or endpoint.state == "not_configured" or not supported(site) or not configured():
        return
    host = current_host()
    try:
        host.call(
            site.platform,
            "unregister_webhooks",
            credentials=credentials.stored(site),
            target_url=endpoints.target_url(endpoint),
            context=plugin_context(host, site.platform),
        )
    except Exception as exc:  # the site goes anyway; the platform drops hooks that keep failing
        log.warning("could not remove the webhooks of site %s: %s", site.id, type(exc).__name__)
