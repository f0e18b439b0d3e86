"""``POST /webhooks/<token>``: the platform's deliveries. Authenticate, dedupe, enqueue, answer at once.

Every refusal (unknown token, bad or missing signature, unreadable body) gets the same 401 with the same
body, so the endpoint does not reveal which sites exist. The answer never waits for the platform or the
catalog: applying happens in a worker (:mod:`hub.webhooks.apply`).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request

from hub import credentials
from hub.contract import WebhookRejected
from hub.extensions import db
from hub.models import Site, WebhookEndpoint
from hub.plugins import current_host
from hub.webhooks import endpoints, pending

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _refused() -> Response:
    return Response("invalid delivery\n", status=401, mimetype="text/plain")


@bp.route(endpoints.PATH_PREFIX + "<token>", methods=["POST"])
def receive(token: str) -> Response:
    """Accept one delivery: 200 once queued (or when it is a duplicate), 401 when not authentic."""
    started = time.monotonic()
    found = None
    if 20 <= len(token) <= 64:
        found = db.session.execute(
            db.select(WebhookEndpoint, Site)
            .join(Site, Site.id == WebhookEndpoint.site_id)
            .where(WebhookEndpoint.token == token)
        ).first()
    host = current_host()
    if found is None or not host.has_platform(found[1].platform):
        return _refused()
    endpoint, site = found
    body = request.get_data(cache=False, as_text=False)  # the exact bytes that were signed
    headers = {name.lower(): value for name, value in request.headers.items()}
    try:
        events = host.call(
            site.platform,
            "parse_webhook",
            credentials=credentials.stored(site),
            headers=headers,
            body=body,
            secret=endpoints.secret_of(endpoint),
        )
    except WebhookRejected as exc:
        log.warning("webhook delivery for site %s refused: %s", site.id, exc.reason)
        return _refused()
    accepted, duplicates = pending.accept(site.id, list(events or ()), time.time())
    elapsed = (time.monotonic() - started) * 1000
    if elapsed > float(current_app.config["HUB_WEBHOOK_SLOW_MS"]):
        log.warning("webhook delivery for site %s took %.0f ms to accept", site.id, elapsed)
    # No body: the platforms ask for a bare, fast 2xx. A duplicate is answered 200 too (the platform
    # retried a delivery whose answer it lost; a non-2xx would only make it retry again).
    return Response(
        status=200, headers={"X-Hub-Accepted": str(accepted), "X-Hub-Duplicates": str(duplicates)}
    )
