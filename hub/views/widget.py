"""The merchant's widget page: settings, embed code with install steps, key rotation, and a live preview."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from hub import audit
from hub.contract import EmbedGuide
from hub.extensions import db
from hub.forms import ActionForm
from hub.models import Product, WidgetSettings
from hub.plugins import current_host
from hub.security.public_url import public_origin
from hub.views.sites import own_site
from hub.widget.activity import activity, forget_refusal
from hub.widget.forms import WidgetForm
from hub.widget.settings import MAX_ORIGINS, OriginError, normalize_origin, settings_for, store_origins

bp = Blueprint("widget", __name__)


def embed_snippet(settings: WidgetSettings, hub_origin: str) -> str:
    """The one line a merchant pastes: the versioned script with the site's public key, loaded async."""
    src = f"{hub_origin}{url_for('widget_api.script')}"
    return f'<script src="{src}" data-site-key="{settings.site_key}" async></script>'


def _fill(form: WidgetForm, settings: WidgetSettings) -> None:
    form.enabled.data = settings.enabled
    form.position.data = settings.position
    form.accent_color.data = settings.accent_color
    form.greeting.data = settings.greeting
    form.language.data = settings.language
    form.allowed_origins.data = "\n".join(settings.allowed_origins or [])
    form.include_hidden.data = settings.include_hidden
    form.include_out_of_stock.data = settings.include_out_of_stock
    form.results_per_answer.data = settings.results_per_answer


GENERIC_GUIDE = EmbedGuide(
    title="Install it on your storefront",
    steps=["Paste the line above into your storefront's page template, just before </body>, on every page."],
)


def embed_guide(site, position: str) -> EmbedGuide:
    """The platform plugin's install steps, or generic ones."""
    host = current_host()
    if host.has_platform(site.platform) and host.supports(site.platform, "embed_instructions"):
        guide = host.call(site.platform, "embed_instructions", position=position)
        if isinstance(guide, EmbedGuide):
            return guide
    return GENERIC_GUIDE


def _audit_changes(site, widget: WidgetSettings, form: WidgetForm) -> None:
    """Audit entries for what changes who may load the widget: on/off and the allowed origins."""
    if bool(form.enabled.data) != bool(widget.enabled):
        audit.record(site, "widget.enabled" if form.enabled.data else "widget.disabled")
    before, after = list(widget.allowed_origins or []), form.origins
    added, removed = [o for o in after if o not in before], [o for o in before if o not in after]
    if added or removed:
        audit.record(site, "widget.origins_changed", added=added, removed=removed)


@bp.route("/sites/<int:site_id>/widget", methods=["GET", "POST"])
@login_required
def settings(site_id: int):
    """Show and save the widget settings; the embed code and preview are on the same page."""
    site = own_site(site_id)
    widget = settings_for(site)
    db.session.commit()  # the settings (and so the key) exist from the first visit
    form = WidgetForm()
    if request.method == "POST":
        if form.validate_on_submit():
            _audit_changes(site, widget, form)
            widget.enabled = form.enabled.data
            widget.position = form.position.data
            widget.accent_color = form.accent_color.data.lower()
            widget.greeting = form.greeting.data.strip()
            widget.language = form.language.data
            widget.allowed_origins = form.origins
            widget.include_hidden = form.include_hidden.data
            widget.include_out_of_stock = form.include_out_of_stock.data
            widget.results_per_answer = form.results_per_answer.data
            db.session.commit()
            flash("Widget settings saved. Storefronts pick them up within a minute.", "success")
            return redirect(url_for("widget.settings", site_id=site.id))
    else:
        _fill(form, widget)
    hub_origin = public_origin()
    searchable = db.session.scalar(
        select(func.count())
        .select_from(Product)
        .where(Product.site_id == site.id, Product.archived_at.is_(None))
    )
    return render_template(
        "sites/widget.html",
        guide=embed_guide(site, widget.position),
        site=site,
        widget=widget,
        form=form,
        action_form=ActionForm(),
        snippet=embed_snippet(widget, hub_origin),
        hub_origin=hub_origin,
        store_origins=store_origins(site),
        searchable=searchable,
        activity=activity(widget),
    ), (400 if form.errors else 200)


@bp.route("/sites/<int:site_id>/widget/allow-origin", methods=["POST"])
@login_required
def allow_origin(site_id: int):
    """Add a refused storefront address to the allow-list in one click."""
    site = own_site(site_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    widget = settings_for(site)
    try:
        origin = normalize_origin(request.form.get("origin", ""))
    except OriginError as exc:
        abort(400, str(exc))
    allowed = list(widget.allowed_origins or [])
    if origin not in allowed:
        if len(allowed) >= MAX_ORIGINS:
            flash(f"The list already holds {MAX_ORIGINS} addresses: remove one first.", "error")
            return redirect(url_for("widget.settings", site_id=site.id))
        widget.allowed_origins = [*allowed, origin]
    forget_refusal(site.id, origin)
    db.session.commit()
    flash(f"{origin} may now load the widget (pages pick this up within a minute).", "success")
    return redirect(url_for("widget.settings", site_id=site.id))


@bp.route("/sites/<int:site_id>/widget/rotate-key", methods=["POST"])
@login_required
def rotate_key(site_id: int):
    """Make a new public key; the old one stops working at once (storefronts need the new snippet)."""
    site = own_site(site_id)
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    settings_for(site).rotate_key()
    audit.record(site, "widget.key_rotated")
    db.session.commit()
    flash("New site key made. The old key no longer works: update the snippet on your storefront.", "warning")
    return redirect(url_for("widget.settings", site_id=site.id))
