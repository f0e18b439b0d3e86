"""What the merchant reads on the dashboard: honest totals, the Overview checklist, widget activity and
refusals, and a deletion that says what goes away (toy plugin, test client; no jobs run)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub import encryption
from hub.extensions import db
from hub.models import Product, Site, SyncRun, WidgetRefusal, WidgetSettings
from hub.models.base import utcnow
from hub.widget.settings import settings_for
from tests.toy_plugin import GOOD_KEY

SHOP = "http://127.0.0.1:8765"


@pytest.fixture
def site_id(app, browser):
    browser.signup()
    site_id = browser.create_site("Jar shop")
    with app.app_context():
        site = db.session.get(Site, site_id)
        site.platform, site.connection_status = "toy", "connected"
        site.last_test_ok, site.last_tested_at = True, utcnow() - timedelta(days=2)
        site.store_info = {"name": "Toy acme", "product_count": 480, "currency": "EUR"}
        site.credentials_public = {"shop": "acme"}
        site.credentials_secret = encryption.encrypt({"api_key": GOOD_KEY})
        db.session.commit()
    return site_id


def _runs(app, site_id, *runs: dict) -> None:
    with app.app_context():
        for values in runs:
            db.session.add(SyncRun(site_id=site_id, **values))
        db.session.commit()


def _products(app, site_id, n: int) -> None:
    with app.app_context():
        db.session.add_all(
            Product(
                site_id=site_id,
                platform_id=str(i),
                name=f"Jar {i}",
                price="12.5",
                content_hash=str(i),
                first_synced_at=utcnow(),
                synced_at=utcnow(),
            )
            for i in range(n)
        )
        db.session.commit()


def test_incremental_run_without_changes_keeps_the_last_known_total(app, browser, site_id):
    now = utcnow()
    _products(app, site_id, 3)
    _runs(
        app,
        site_id,
        dict(
            kind="full",
            state="succeeded",
            expected_total=500,
            products_seen=500,
            products_created=500,
            started_at=now - timedelta(hours=1, minutes=3),
            finished_at=now - timedelta(hours=1),
        ),
        dict(
            kind="incremental",
            state="succeeded",
            expected_total=0,
            products_seen=0,
            modified_since=now - timedelta(hours=1, minutes=8),
            started_at=now - timedelta(seconds=5),
            finished_at=now,
        ),
    )
    html = browser.get(f"/sites/{site_id}/sync").get_data(as_text=True)
    total = html.split('id="store-total">', 1)[1].split("<", 1)[0]
    assert total == "500"  # from the full walk, not the incremental run's 0
    assert "as of" in html
    assert '<div id="progress" hidden>' in html  # nothing running: no progress bar, no polling reload
    assert "Up to date — no changes since" in html
    status = browser.get(f"/sites/{site_id}/sync/status.json").get_json()["run"]
    assert status["outcome"].startswith("Up to date — no changes since")
    assert status["state_label"] == "Succeeded"


def test_incremental_run_with_changes_says_how_many(app, browser, site_id):
    _runs(
        app,
        site_id,
        dict(
            kind="incremental",
            state="succeeded",
            products_seen=13,
            products_updated=12,
            products_created=1,
            started_at=utcnow(),
            finished_at=utcnow(),
        ),
    )
    html = browser.get(f"/sites/{site_id}/sync").get_data(as_text=True)
    assert "12 changed, 1 new." in html
    # No full walk yet: the count of the connection test is the store total, dated by that test.
    assert 'id="store-total">480<' in html


def test_overview_is_the_setup_checklist(app, browser, site_id, client):
    _products(app, site_id, 2)
    _runs(
        app,
        site_id,
        dict(
            kind="full",
            state="succeeded",
            expected_total=2,
            products_seen=2,
            started_at=utcnow(),
            finished_at=utcnow(),
        ),
    )
    html = browser.get(f"/sites/{site_id}").get_data(as_text=True)
    assert 'id="step-connect"' in html and "Toy acme" in html and "Tested" in html
    assert "2 products</strong> stored" in html and "Sync now" in html
    assert 'id="step-widget"' in html and "Get the embed code" in html  # no widget yet

    with app.app_context():
        widget = settings_for(db.session.get(Site, site_id))
        widget.allowed_origins = [SHOP]
        db.session.commit()
        key = widget.site_key
    assert client.get(f"/widget/v1/config?key={key}", headers={"Origin": SHOP}).get_json()["enabled"]
    for q in ("jar", "lid"):
        # closed as a WSGI server closes it once sent: the search is counted then
        client.get(f"/widget/v1/search?key={key}&q={q}", headers={"Origin": SHOP}).close()
    html = browser.get(f"/sites/{site_id}").get_data(as_text=True)
    assert "Widget installed" in html
    seen = html.split('id="widget-seen">', 1)[1].split("</dd>", 1)[0]
    assert "first" in seen and "last" in seen and SHOP in seen
    assert 'id="widget-searches">2<' in html

    listing = browser.get("/").get_data(as_text=True)
    assert "Live" in listing and "Succeeded" in listing


def test_refused_origins_are_listed_and_allowed_in_one_click(app, browser, site_id, client):
    with app.app_context():
        widget = settings_for(db.session.get(Site, site_id))
        widget.allowed_origins = ["https://shop.example.com"]
        db.session.commit()
        key = widget.site_key
    answer = client.get(f"/widget/v1/config?key={key}", headers={"Origin": SHOP}).get_json()
    assert answer == {"enabled": False, "reason": "origin_not_allowed"}
    page = f"/sites/{site_id}/widget"
    html = browser.get(page).get_data(as_text=True)
    assert f"Blocked: {SHOP}" in html
    assert "Storefront addresses allowed to load the widget" in html.split('id="install-steps"', 1)[1]

    resp = browser.submit(f"{page}/allow-origin", {"origin": SHOP}, page_url=page)
    assert resp.status_code == 302
    with app.app_context():
        widget = db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_id == site_id))
        assert widget.allowed_origins == ["https://shop.example.com", SHOP]
        assert db.session.scalars(select(WidgetRefusal)).all() == []
    assert f"Blocked: {SHOP}" not in browser.get(page).get_data(as_text=True)
    assert client.get(f"/widget/v1/config?key={key}", headers={"Origin": SHOP}).get_json()["enabled"]


def test_refusals_are_bounded_per_site(app, site_id, client):
    with app.app_context():
        key = settings_for(db.session.get(Site, site_id)).site_key
        db.session.commit()
    for port in range(9000, 9015):
        client.get(f"/widget/v1/config?key={key}", headers={"Origin": f"http://127.0.0.1:{port}"})
    with app.app_context():
        origins = db.session.scalars(
            select(WidgetRefusal.origin).where(WidgetRefusal.site_id == site_id)
        ).all()
    assert (
        len(origins) == 10 and "http://127.0.0.1:9014" in origins and "http://127.0.0.1:9000" not in origins
    )


def test_delete_lists_what_goes_away_and_asks_for_the_name(app, browser, site_id):
    _products(app, site_id, 3)
    _runs(app, site_id, dict(kind="full", state="succeeded", started_at=utcnow(), finished_at=utcnow()))
    with app.app_context():
        settings_for(db.session.get(Site, site_id))
        db.session.commit()
    url = f"/sites/{site_id}/delete"
    html = browser.get(url).get_data(as_text=True)
    assert "3 synced products" in html and "1 run" in html and "The widget goes dark" in html
    assert "credentials" in html
    resp = browser.submit(url, {"confirm_name": "Jar shp"})
    assert resp.status_code == 400 and "nothing was deleted" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Site, site_id) is not None
    resp = browser.submit(url, {"confirm_name": " Jar shop "})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Site, site_id) is None
        assert db.session.scalar(select(Product).where(Product.site_id == site_id)) is None


def test_over_long_input_is_an_error_never_a_silent_cut(app, browser, site_id):
    url = f"/sites/{site_id}/platform"
    page = browser.get(url).get_data(as_text=True)
    assert 'maxlength="2048"' in page
    resp = browser.submit(
        url, {"platform": "toy", "cred_shop": "a" * 2049, "cred_api_key": GOOD_KEY, "action": "save"}
    )
    assert resp.status_code == 200 and "longer than 2048 characters" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Site, site_id).credentials_public == {"shop": "acme"}  # unchanged

    resp = browser.get(f"/sites/{site_id}/products?q=" + "x" * 201)
    assert resp.status_code == 400
    assert "limited to 200 characters; nothing was searched" in resp.get_data(as_text=True)
