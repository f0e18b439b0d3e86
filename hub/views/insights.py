"""The merchant's search insights: top queries, queries without results (with synonym suggestions),
clicks through to products, per day."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from hub.extensions import db
from hub.views.sites import own_site
from hub.widget.insights import insights
from hub.widget.vocabulary import vocabulary_for

bp = Blueprint("insights", __name__)
PERIODS = (7, 30, 90)


@bp.route("/sites/<int:site_id>/insights")
@login_required
def page(site_id: int):
    """What shoppers searched for over the last 7, 30 or 90 days."""
    site = own_site(site_id)
    days = request.args.get("days", type=int) or 30
    days = days if days in PERIODS else 30
    vocab = vocabulary_for(db.session, site.id, float(current_app.config.get("SEARCH_VOCABULARY_TTL", 300)))
    return render_template(
        "sites/insights.html", site=site, data=insights(db.session, site.id, vocab, days), periods=PERIODS
    )
