"""Product Sync page: start, cancel, live progress, history, a run's errors."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func, select

from hub.extensions import db
from hub.forms import ActionForm, ScheduleForm
from hub.models import RunKind, SyncError, SyncRun
from hub.models.base import utcnow
from hub.plugins import current_host
from hub.sync import runs
from hub.sync.plan import can_list_ids
from hub.views.paging import page_of
from hub.views.sites import own_site
from hub.webhooks import views as webhook_views

log = logging.getLogger(__name__)
bp = Blueprint("sync", __name__)
ERRORS_PER_PAGE = 50


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")


@bp.route("/sites/<int:site_id>/sync")
@login_required
def page(site_id: int):
    """The sync dashboard."""
    site = own_site(site_id)
    host = current_host()
    active = runs.active_run(site.id)
    store_total, store_total_at = runs.last_known_total(site)
    return render_template(
        "sites/sync.html",
        site=site,
        active=active,
        progress=runs.progress(active) if active else None,
        history=runs.history(site.id),
        stored=runs.stored_product_count(site.id),
        store_total=store_total,
        store_total_at=store_total_at,
        form=ActionForm(),
        schedule_form=ScheduleForm(
            sync_interval_minutes=site.sync_interval_minutes,
            reconcile_interval_minutes=site.reconcile_interval_minutes,
            full_sync_interval_minutes=site.full_sync_interval_minutes,
        ),
        can_sync=host.has_platform(site.platform) and site.connection_status != "not_connected",
        # without an id listing, deletions are found by full syncs (the page says so)
        can_list_ids=host.has_platform(site.platform) and can_list_ids(host, site.platform),
        live_updates=webhook_views.summary(site),
    )


@bp.route("/sites/<int:site_id>/sync/start", methods=["POST"])
@login_required
def start(site_id: int):
    """Start a sync (incremental when possible, or full) unless one is active."""
    site = own_site(site_id)
    _check_form()
    if not current_host().has_platform(site.platform):
        flash("Connect the store first (Platform settings).", "error")
        return redirect(url_for("sync.page", site_id=site.id))
    kind = RunKind.FULL if request.form.get("full") else RunKind.INCREMENTAL
    if request.form.get("reconcile"):
        kind = RunKind.RECONCILE
    _run, created = runs.start_run(site, kind)
    if not created:
        flash("A sync is already running; here it is.", "info")
    return redirect(url_for("sync.page", site_id=site.id))


@bp.route("/sites/<int:site_id>/sync/cancel", methods=["POST"])
@login_required
def cancel(site_id: int):
    """Cancel the active run."""
    site = own_site(site_id)
    _check_form()
    run = runs.cancel(site.id)
    flash(
        "Nothing to cancel." if run is None else "Cancelling: the sync stops after the current batch.", "info"
    )
    return redirect(url_for("sync.page", site_id=site.id))


@bp.route("/sites/<int:site_id>/sync/schedule", methods=["POST"])
@login_required
def schedule(site_id: int):
    """Change how often the site syncs by itself (0 = off); the next run is rescheduled from now."""
    site = own_site(site_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        abort(400, "Choose one of the listed intervals.")
    now = utcnow()
    site.sync_interval_minutes = form.sync_interval_minutes.data
    site.reconcile_interval_minutes = form.reconcile_interval_minutes.data
    site.full_sync_interval_minutes = form.full_sync_interval_minutes.data
    site.next_sync_at = (
        now + timedelta(minutes=site.sync_interval_minutes) if site.sync_interval_minutes else None
    )
    site.next_reconcile_at = (
        now + timedelta(minutes=site.reconcile_interval_minutes) if site.reconcile_interval_minutes else None
    )
    site.next_full_sync_at = (
        now + timedelta(minutes=site.full_sync_interval_minutes) if site.full_sync_interval_minutes else None
    )
    db.session.commit()
    flash("Schedule saved.", "success")
    return redirect(url_for("sync.page", site_id=site.id))


@bp.route("/sites/<int:site_id>/sync/status.json")
@login_required
def status(site_id: int):
    """Progress of the active (or latest) run, polled by the page."""
    site = own_site(site_id)
    run = runs.active_run(site.id) or next(iter(runs.history(site.id, 1)), None)
    return jsonify({"run": runs.progress(run) if run else None, "stored": runs.stored_product_count(site.id)})


@bp.route("/sites/<int:site_id>/sync/runs/<int:run_id>/errors")
@login_required
def errors(site_id: int, run_id: int):
    """A run's per-product errors, paged."""
    site = own_site(site_id)
    run = db.session.get(SyncRun, run_id)
    if run is None or run.site_id != site.id:
        abort(404)
    total = db.session.scalar(select(func.count()).select_from(SyncError).where(SyncError.run_id == run.id))
    page_no, pages, offset = page_of(total, ERRORS_PER_PAGE)
    rows = db.session.scalars(
        select(SyncError)
        .where(SyncError.run_id == run.id)
        .order_by(SyncError.id)
        .offset(offset)
        .limit(ERRORS_PER_PAGE)
    ).all()
    pages = max((total + ERRORS_PER_PAGE - 1) // ERRORS_PER_PAGE, 1)
    host = current_host()
    platform = host.platform(site.platform) if host.has_platform(site.platform) else None
    return render_template(
        "sites/sync_errors.html",
        site=site,
        run=run,
        rows=rows,
        page=page_no,
        pages=pages,
        total=total,
        platform=platform,
        admin_url=_admin_links(site),
    )


def _admin_links(site):
    """A function platform product id -> the product's page in the platform's admin, or None."""
    host = current_host()
    if not host.has_platform(site.platform) or not host.supports(site.platform, "admin_product_url"):
        return lambda product_id: None
    public = dict(site.credentials_public or {})  # never the secrets: the hook needs only the store

    def link(product_id: str | None) -> str | None:
        if not product_id:
            return None
        try:
            url = host.call(
                site.platform, "admin_product_url", credentials=public, product_id=str(product_id)
            )
        except Exception:  # a plugin bug costs the link, not the page
            log.exception("admin_product_url failed for site %s", site.id)
            return None
        return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None

    return link
