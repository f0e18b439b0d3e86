"""A site's alert emails: the owner switches them on or off (per site)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import login_required

from hub.extensions import db
from hub.forms import ActionForm
from hub.views.sites import own_site

bp = Blueprint("notifications", __name__)


@bp.route("/sites/<int:site_id>/alerts", methods=["POST"])
@login_required
def toggle(site_id: int):
    """Switch the site's alert emails on (``enabled=1``) or off."""
    site = own_site(site_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    site.alerts_enabled = request.form.get("enabled") == "1"
    db.session.commit()
    flash(
        "Alert emails are on for this site."
        if site.alerts_enabled
        else "Alert emails are off for this site.",
        "success",
    )
    return redirect(url_for("sites.show", site_id=site.id))
