"""Operators' endpoints: health checks and metrics (public or token-protected) and the operations pages
(admin role): queues and workers, runs across all sites, failed jobs with retry, per-site API usage."""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import and_, func, select

from hub.extensions import csrf, db
from hub.forms import ActionForm
from hub.models import RunState, Site, SyncRun, User
from hub.models.base import utcnow
from hub.ops import health, metrics, queues
from hub.ops.collector import DatabaseCollector
from hub.security.roles import admin_required

health_bp = Blueprint("health", __name__)
csrf.exempt(health_bp)
bp = Blueprint("ops", __name__, url_prefix="/ops")

RUN_FILTERS = {
    "all": "All runs",
    "failed": "Failed or partially failed",
    "stuck": "Stuck (active, no heartbeat)",
    "attention": "Sites needing attention",
}
USAGE_DAYS = 14


@health_bp.route("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    resp = jsonify({"status": "ok"})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@health_bp.route("/readyz")
def readyz() -> Response:
    """Readiness: database, migrations and Redis; 503 naming what is wrong."""
    checks = health.readiness()
    ok = all(c.ok for c in checks)
    resp = jsonify(
        {
            "status": "ok" if ok else "unavailable",
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
        }
    )
    resp.status_code = 200 if ok else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _metrics_allowed() -> bool:
    token = current_app.config.get("HUB_METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    return current_user.is_authenticated and current_user.is_admin


@health_bp.route("/metrics")
def prometheus_metrics() -> Response:
    """Prometheus exposition: with ``Authorization: Bearer $HUB_METRICS_TOKEN`` or an admin's session."""
    if not _metrics_allowed():
        abort(404)
    collector = current_app.extensions.setdefault(
        "hub_db_collector", DatabaseCollector(current_app._get_current_object())
    )
    resp = Response(metrics.render(collector), mimetype="text/plain")
    resp.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ----- operations pages ---------------------------------------------------------------------------


def _redis_or_none(fn, *args):
    """Redis figures, or None with a flash when Redis is down (the page still shows the database's view)."""
    try:
        return fn(*args)
    except Exception as exc:
        flash(f"Redis is unavailable ({type(exc).__name__}); queue figures are missing.", "error")
        return None


@bp.route("/")
@admin_required
def index():
    """Queues, workers and counts of runs needing a look."""
    overview = _redis_or_none(queues.queue_overview) if current_app.config.get("REDIS_URL") else None
    workers = _redis_or_none(queues.workers) if overview is not None else None
    counts = dict(db.session.execute(select(SyncRun.state, func.count()).group_by(SyncRun.state)).all())
    attention = db.session.execute(
        select(Site, User.email)
        .join(User, User.id == Site.owner_id)
        .where(Site.connection_status == "needs_attention")
        .order_by(Site.id)
        .limit(200)
    ).all()
    return render_template(
        "ops/index.html", queues=overview, workers=workers, counts=counts, attention=attention
    )


@bp.route("/runs")
@admin_required
def runs():
    """Runs across all sites, newest first, filtered."""
    kind = request.args.get("filter", "all")
    if kind not in RUN_FILTERS:
        kind = "all"
    query = (
        select(SyncRun, Site, User.email)
        .join(Site, Site.id == SyncRun.site_id)
        .join(User, User.id == Site.owner_id)
        .order_by(SyncRun.id.desc())
        .limit(200)
    )
    if kind == "failed":
        query = query.where(SyncRun.state.in_((RunState.FAILED.value, RunState.PARTIALLY_FAILED.value)))
    elif kind == "stuck":
        stale = utcnow() - timedelta(seconds=float(current_app.config["HUB_SYNC_STALE_SECONDS"]))
        query = query.where(
            SyncRun.state.in_((RunState.QUEUED.value, RunState.RUNNING.value)),
            func.coalesce(SyncRun.heartbeat_at, SyncRun.created_at) < stale,
        )
    elif kind == "attention":
        query = query.where(Site.connection_status == "needs_attention")
    rows = db.session.execute(query).all()
    return render_template("ops/runs.html", rows=rows, filters=RUN_FILTERS, current=kind)


@bp.route("/jobs/failed")
@admin_required
def failed_jobs():
    """RQ's failed jobs with a retry button each."""
    found = _redis_or_none(queues.failed_jobs) if current_app.config.get("REDIS_URL") else None
    return render_template("ops/failed.html", jobs=found, action_form=ActionForm())


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
@admin_required
def retry_job(job_id: str):
    """Requeue one failed job."""
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    if len(job_id) > 100 or not queues.retry_failed(job_id):
        flash("That job is no longer in the failed list.", "error")
    else:
        flash(f"Job {job_id} requeued.", "success")
    return redirect(url_for("ops.failed_jobs"))


@bp.route("/usage")
@admin_required
def usage():
    """Per site and day: runs, platform requests, seconds waited on rate limits (429s)."""
    since = utcnow() - timedelta(days=USAGE_DAYS)
    day = func.date(SyncRun.created_at)
    rows = db.session.execute(
        select(
            Site.id,
            Site.name,
            Site.platform,
            day.label("day"),
            func.count(SyncRun.id),
            func.coalesce(func.sum(SyncRun.requests), 0),
            func.coalesce(func.sum(SyncRun.rate_limit_wait_s), 0.0),
            func.coalesce(func.sum(SyncRun.throttled), 0),
        )
        .join(SyncRun, and_(SyncRun.site_id == Site.id, SyncRun.created_at >= since))
        .group_by(Site.id, Site.name, Site.platform, day)
        .order_by(Site.id, day.desc())
    ).all()
    return render_template("ops/usage.html", rows=rows, days=USAGE_DAYS)
