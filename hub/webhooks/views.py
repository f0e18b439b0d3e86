"""The "Live updates" card of the sync page: state of the hooks, recent batches, a Re-register button."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import login_required
from sqlalchemy import func, select

from hub.extensions import db
from hub.forms import ActionForm
from hub.models import Site, WebhookBatch
from hub.models.base import utcnow
from hub.views.sites import own_site
from hub.webhooks import endpoints, lifecycle

bp = Blueprint("webhooks_ui", __name__)

#: what each state means to the merchant
STATE_LABELS = {
    "active": "Active",
    "not_configured": "Not configured",
    "deactivated": "Deactivated by the platform",
    "missing": "Missing at the platform",
    "failed": "Registration failed",
}


@dataclass
class LiveSummary:
    """What the card shows."""

    supported: bool
    state: str
    label: str
    message: str | None
    products_last_hour: int
    batches_last_hour: int
    last_delivery_at: datetime | None
    checked_at: datetime | None
    reactivations: int = 0  #: times the periodic check found the hooks deactivated and re-created them


def summary(site: Site) -> LiveSummary:
    """The site's live-update state and the last hour's applied changes."""
    endpoint = endpoints.for_site(site)
    state = endpoint.state if endpoint is not None else "not_configured"
    message = endpoint.message if endpoint is not None else None
    if endpoint is None and lifecycle.supported(site) and not lifecycle.configured():
        message = lifecycle.NOT_CONFIGURED
    since = utcnow() - timedelta(hours=1)
    products, batches = db.session.execute(
        select(func.coalesce(func.sum(WebhookBatch.updated + WebhookBatch.archived), 0), func.count()).where(
            WebhookBatch.site_id == site.id, WebhookBatch.applied_at >= since
        )
    ).one()
    return LiveSummary(
        supported=lifecycle.supported(site),
        state=state,
        label=STATE_LABELS.get(state, state),
        message=message,
        products_last_hour=int(products or 0),
        batches_last_hour=int(batches or 0),
        last_delivery_at=endpoint.last_delivery_at if endpoint is not None else None,
        checked_at=endpoint.checked_at if endpoint is not None else None,
        reactivations=(endpoint.reactivations or 0) if endpoint is not None else 0,
    )


@bp.route("/sites/<int:site_id>/sync/webhooks/register", methods=["POST"])
@login_required
def reregister(site_id: int):
    """Register the hooks again now (after fixing HUB_PUBLIC_URL or the token's permissions)."""
    site = own_site(site_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    state = lifecycle.register(site)
    if state == "active":
        flash("Live updates are on: the store now sends product changes to Claudery.", "success")
    else:
        flash(
            f"Live updates: {STATE_LABELS.get(state, state)}. {endpoints.for_site(site).message or ''}",
            "error",
        )
    return redirect(url_for("sync.page", site_id=site.id))
