"""The merchant's sites: list, create, overview, delete. A merchant only ever sees their own."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from hub import audit
from hub.extensions import db
from hub.forms import ActionForm, DeleteSiteForm, SiteForm
from hub.models import Site
from hub.plugins import current_host
from hub.views.overview import deletion_inventory, summarize
from hub.webhooks import lifecycle

bp = Blueprint("sites", __name__)


def own_site(site_id: int) -> Site:
    """The current merchant's site ``site_id``, or 404 (never 403: no hint that it exists)."""
    site = db.session.get(Site, site_id)
    if site is None or site.owner_id != current_user.id:
        abort(404)
    return site


@bp.route("/")
@login_required
def index():
    """Every site of the merchant with its connection state."""
    sites = db.session.scalars(select(Site).where(Site.owner_id == current_user.id).order_by(Site.id)).all()
    summaries = [summarize(site, with_activity=False) for site in sites]
    return render_template("sites/index.html", summaries=summaries, host=current_host())


@bp.route("/sites/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a site, then go to its platform settings."""
    form = SiteForm()
    if form.validate_on_submit():
        site = Site(owner_id=current_user.id, name=form.name.data.strip())
        db.session.add(site)
        db.session.commit()
        flash(f"Site “{site.name}” created. Now connect its store.", "success")
        return redirect(url_for("platform.settings", site_id=site.id))
    return render_template("sites/new.html", form=form)


@bp.route("/sites/<int:site_id>")
@login_required
def show(site_id: int):
    """A site's overview: connection state and next steps."""
    site = own_site(site_id)
    host = current_host()
    platform = host.platform(site.platform) if host.has_platform(site.platform) else None
    return render_template(
        "sites/show.html",
        site=site,
        platform=platform,
        summary=summarize(site),
        action_form=ActionForm(),
        has=current_app.view_functions.__contains__,
        audit_events=audit.recent(site),
        describe=audit.describe,
    )


@bp.route("/sites/<int:site_id>/delete", methods=["GET", "POST"])
@login_required
def delete(site_id: int):
    """Confirm, then delete a site with everything it holds; the merchant types the site's name."""
    site = own_site(site_id)
    form = DeleteSiteForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400, "The form expired; reload the page and try again.")
        elif form.confirm_name.data.strip() != site.name.strip():
            form.confirm_name.errors.append("That is not this site's name; nothing was deleted.")
        else:
            return _delete(site)
    return render_template("sites/delete.html", site=site, form=form, inventory=deletion_inventory(site)), (
        400 if form.errors else 200
    )


def _delete(site: Site):
    lifecycle.unregister(site)  # while the credentials still exist
    db.session.delete(site)
    db.session.commit()
    flash(f"Site “{site.name}” deleted.", "success")
    return redirect(url_for("sites.index"))
