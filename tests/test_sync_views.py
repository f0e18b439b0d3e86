"""The Product Sync page and the scheduler, without running jobs (a real Redis holds the queue)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub import encryption
from hub.extensions import db
from hub.models import Site, SyncError, SyncRun
from hub.models.base import utcnow
from hub.sync import runs, watchdog


@pytest.fixture
def site_id(app, browser, redis_url):
    app.config["REDIS_URL"] = redis_url
    app.config["HUB_QUEUE"] = "views-test"
    browser.signup()
    site_id = browser.create_site()
    with app.app_context():
        site = db.session.get(Site, site_id)
        site.platform, site.connection_status = "toy", "connected"
        site.credentials_public = {"shop": "acme"}
        site.credentials_secret = encryption.encrypt({"api_key": "toy-key-0123456789"})
        db.session.commit()
    return site_id


def test_sync_button_twice_makes_one_run_and_status_reports_it(app, browser, site_id):
    page = f"/sites/{site_id}/sync"
    for _ in range(2):
        assert browser.submit(f"{page}/start", {}, page_url=page).status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(SyncRun).where(SyncRun.site_id == site_id)).all()) == 1
    status = browser.get(f"{page}/status.json").get_json()
    assert status["run"]["state"] == "queued" and status["run"]["kind"] == "full" and status["stored"] == 0
    html = browser.get(page).get_data(as_text=True)
    assert 'id="progress"' in html and "Waiting for a worker" in html
    assert browser.submit(f"{page}/cancel", {}, page_url=page).status_code == 302
    assert browser.get(f"{page}/status.json").get_json()["run"]["state"] == "cancelled"


def test_run_errors_are_listed_and_paged(app, browser, site_id):
    with app.app_context():
        run = SyncRun(site_id=site_id, kind="full", state="partially_failed", products_failed=60)
        db.session.add(run)
        db.session.flush()
        db.session.add_all(
            SyncError(run_id=run.id, product_platform_id=str(i), message=f"name is null #{i}")
            for i in range(60)
        )
        db.session.commit()
        run_id = run.id
    first = browser.get(f"/sites/{site_id}/sync/runs/{run_id}/errors").get_data(as_text=True)
    assert "60 products skipped" in first and "name is null #0" in first and "name is null #59" not in first
    # Each error links to the product's edit page in the platform's admin (non-secret fields only).
    assert 'href="https://admin.toy.example/acme/products/0/edit"' in first
    assert "Edit in Toy Platform" in first
    second = browser.get(f"/sites/{site_id}/sync/runs/{run_id}/errors?page=2").get_data(as_text=True)
    assert "name is null #59" in second


def test_sync_pages_are_private(app, browser, site_id):
    browser.submit("/logout", {}, page_url="/")
    browser.signup("other@example.com")
    for url in (f"/sites/{site_id}/sync", f"/sites/{site_id}/sync/status.json", f"/sites/{site_id}/products"):
        assert browser.get(url).status_code == 404
    assert browser.submit(f"/sites/{site_id}/sync/start", {}, page_url="/sites/new").status_code == 404
    with app.app_context():
        assert runs.active_run(site_id) is None


def test_schedule_form_and_scheduler_start_due_incremental_runs(app, browser, site_id):
    page = f"/sites/{site_id}/sync"
    html = browser.get(page).get_data(as_text=True)
    # the toy platform lists no ids: the page says how deleted products are found instead
    assert 'id="reconcile-note"' in html and 'name="full_sync_interval_minutes"' in html
    form = {
        "sync_interval_minutes": "15",
        "reconcile_interval_minutes": "0",
        "full_sync_interval_minutes": "0",
    }
    resp = browser.submit(f"{page}/schedule", form, page_url=page)
    assert resp.status_code == 302
    assert (
        browser.submit(f"{page}/schedule", {"sync_interval_minutes": "7"}, page_url=page).status_code == 400
    )
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.sync_interval_minutes == 15 and site.next_reconcile_at is None
        assert site.full_sync_interval_minutes == 0 and site.next_full_sync_at is None
        # Nothing is scheduled before a first successful walk...
        site.next_sync_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert watchdog.start_scheduled() == []
        # ...after one, a due site gets exactly one incremental run, and the next one is pushed out.
        done = SyncRun(site_id=site_id, kind="full", state="succeeded", high_water_mark=utcnow())
        db.session.add(done)
        db.session.commit()
        started = watchdog.start_scheduled()
        assert len(started) == 1
        run = db.session.get(SyncRun, started[0])
        assert run.kind == "incremental" and run.trigger == "schedule"
        assert run.modified_since < done.high_water_mark
        assert watchdog.start_scheduled() == []  # not due again, and never overlapping the active run
        assert db.session.get(Site, site_id).next_sync_at > utcnow() + timedelta(minutes=14)
