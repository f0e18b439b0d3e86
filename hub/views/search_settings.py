"""The merchant's "Search preferences" page with a live preview, and the assistant's settings page."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from hub.extensions import db
from hub.models.search import FIELDS, TONES
from hub.models.widget import LANGUAGES
from hub.views.sites import own_site
from hub.widget import assistant as assistant_mod
from hub.widget import preferences as prefs_mod
from hub.widget.search import SearchOptions, find
from hub.widget.settings import settings_for

bp = Blueprint("search_settings", __name__)
PREVIEW_RESULTS = 10


@bp.route("/sites/<int:site_id>/search", methods=["GET", "POST"])
@login_required
def preferences(site_id: int):
    """Show and save the ranking preferences; the preview beside the form uses the unsaved values."""
    site = own_site(site_id)
    error = None
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
            prefs = prefs_mod.from_form(request.form)
        except ValidationError:
            error = "The form expired; reload the page and try again."
        except prefs_mod.PreferenceError as exc:
            error = str(exc)
        else:
            prefs_mod.save(db.session, site.id, prefs)
            db.session.commit()
            flash("Search preferences saved. The widget uses them from the next search.", "success")
            return redirect(url_for("search_settings.preferences", site_id=site.id))
        values = dict(request.form)
        values["typo_tolerance"] = "1" if request.form.get("typo_tolerance") else ""
    else:
        values = prefs_mod.as_form(prefs_mod.load(db.session, site.id))
    return render_template("sites/search.html", site=site, values=values, fields=FIELDS, error=error), (
        400 if error else 200
    )


@bp.route("/sites/<int:site_id>/search/preview", methods=["POST"])
@login_required
def preview(site_id: int):
    """The widget's answer to ``q`` under the form's (unsaved) preferences, as JSON for the page."""
    site = own_site(site_id)
    try:
        validate_csrf(request.form.get("csrf_token"))
        prefs = prefs_mod.from_form(request.form)
    except ValidationError:
        return jsonify({"error": "The form expired; reload the page."}), 400
    except prefs_mod.PreferenceError as exc:
        return jsonify({"error": str(exc)}), 400
    widget = settings_for(site)
    query = (request.form.get("q") or "").strip()[:200]
    opts = SearchOptions(widget.include_hidden, widget.include_out_of_stock, PREVIEW_RESULTS)
    currency = (site.store_info or {}).get("currency") or None
    answer = find(db.session, site.id, query, opts, prefs=prefs, currency=currency) if query else None
    rows = answer.rows if answer else []
    chips = [c.as_dict() for c in answer.understanding.chips] if answer and answer.understanding else []
    return jsonify({
        "query": query,
        "chips": chips,
        "results": [{"id": p.platform_id, "name": p.name, "brand": brand, "price": p.sale_price or p.price}
                    for p, brand in rows],
    })  # fmt: skip


@bp.route("/sites/<int:site_id>/assistant", methods=["GET", "POST"])
@login_required
def assistant(site_id: int):
    """The shopper's assistant: name, tone, starter questions, languages (the greeting is on Widget)."""
    site = own_site(site_id)
    error = None
    current = assistant_mod.load(db.session, site.id)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
            current = assistant_mod.from_form(request.form)
        except ValidationError:
            error = "The form expired; reload the page and try again."
        except assistant_mod.AssistantError as exc:
            error = str(exc)
        else:
            assistant_mod.save(db.session, site.id, current)
            db.session.commit()
            flash("Assistant settings saved. Storefronts pick them up within a minute.", "success")
            return redirect(url_for("search_settings.assistant", site_id=site.id))
    return render_template(
        "sites/assistant.html", site=site, assistant=current, tones=TONES, languages=LANGUAGES,
        providers=sorted(assistant_mod.PROVIDERS), error=error, widget=settings_for(site),
    ), (400 if error else 200)  # fmt: skip
