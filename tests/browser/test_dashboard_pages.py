"""Every dashboard page in Chromium at desktop (1280x800) and phone (390x844) width: nothing scrolls
sideways, and a screenshot of each lands in test-artifacts/browser/ for a human to look at. Plus the trust
paths a merchant walks with the mouse: a mistyped token that is not saved, a blocked storefront allowed
in one click, and a deletion confirmed by the site's name."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import RunKind, Site, SyncRun
from hub.sync import engine, runs
from hub.widget.settings import settings_for
from tests.sync_support import unique_queue

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PASSWORD = "correct horse battery"


@pytest.fixture
def dashboard(connected_site, live_server):
    """(app, hub server, site id, store, email): a demo store with a few malformed products, synced fully
    then incrementally in this process, so every page has real content (and real errors)."""
    app, site_id, store = connected_site(products=120, quota=0, seed=11, faults={"malformed_rate": 0.03})
    app.config["HUB_QUEUE"] = unique_queue()  # nobody consumes it: runs execute right here
    with app.app_context():
        for kind in (RunKind.FULL, RunKind.INCREMENTAL):
            run, _ = runs.start_run(db.session.get(Site, site_id), kind)
            engine.execute(run.id, None)
        owner = db.session.get(Site, site_id).owner
        owner.is_admin = (
            True  # an operator who is also a merchant: every page, the admin ones too, is visited
        )
        db.session.commit()
        email = owner.email
    return app, live_server(app), site_id, store, email


def _login(page, hub, email: str) -> None:
    page.goto(hub.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def _fits(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_fits_and_is_captured(dashboard, new_page, artifacts, viewport):
    app, hub, site_id, _store, email = dashboard
    with app.app_context():
        run_with_errors = db.session.scalar(
            select(SyncRun.id).where(SyncRun.site_id == site_id, SyncRun.products_failed > 0)
        )
    assert run_with_errors, "the malformed products should have made per-product errors"
    page = new_page(viewport=VIEWPORTS[viewport])

    def visit(name: str, path: str) -> None:
        page.goto(hub.url + path)
        page.wait_for_load_state("networkidle")
        _fits(page)
        page.screenshot(path=str(artifacts / f"{viewport}-{name}.png"), full_page=True)

    visit("login", "/login")
    visit("signup", "/signup")
    _login(page, hub, email)
    base = f"/sites/{site_id}"
    visit("sites", "/")
    visit("new-site", "/sites/new")
    page.fill("#name", "x" * 250)  # a paste longer than allowed: the browser keeps 200 and says so
    assert page.input_value("#name") == "x" * 200
    assert "at most 200 characters" in page.locator(".limit-note").inner_text()
    visit("overview", base)
    visit("platform", base + "/platform")
    visit("sync", base + "/sync")
    visit("sync-errors", f"{base}/sync/runs/{run_with_errors}/errors")
    visit("products", base + "/products")
    visit("products-none-found", base + "/products?q=no-such-thing-anywhere")
    visit("widget", base + "/widget")
    visit("delete", base + "/delete")
    visit("search-preferences", base + "/search")
    visit("assistant", base + "/assistant")
    visit("insights", base + "/insights")
    visit("plugins", "/plugins")
    visit("ops", "/ops/")
    visit("ops-runs", "/ops/runs")
    visit("ops-failed-jobs", "/ops/jobs/failed")
    visit("ops-usage", "/ops/usage")
    visit("not-found", "/sites/999999")

    # What the pages say, not only how they fit.
    page.goto(hub.url + base + "/sync")
    assert "Up to date — no changes since" in page.locator("#history").inner_text()
    assert page.locator("#store-total").inner_text() == "120"
    page.goto(f"{hub.url}{base}/sync/runs/{run_with_errors}/errors")
    link = page.locator("#errors a", has_text="Edit in BigCommerce").first
    assert re.match(r"https://store-\w+\.mybigcommerce\.com/manage/products/", link.get_attribute("href"))
    page.goto(hub.url + base + "/products?q=no-such-thing-anywhere")
    assert "No products match" in page.inner_text("main")


def test_a_mistyped_token_is_not_saved(dashboard, new_page, artifacts):
    _app, hub, site_id, store, email = dashboard
    page = new_page(viewport=VIEWPORTS["phone"])
    _login(page, hub, email)
    page.goto(f"{hub.url}/sites/{site_id}/platform")
    page.fill("#cred_client_id", "my-client-id")
    page.fill("#cred_access_token", store.access_token[:-1] + "X")  # one character off
    page.get_by_role("button", name="Save & test").click()
    result = page.locator("#test-result")
    result.wait_for()
    assert "Not saved: BigCommerce rejected the new Access token and Client ID" in result.inner_text()
    assert "your previous credentials are still in use" in result.inner_text()
    assert page.locator("h1 .badge").inner_text() == "Connected"
    assert page.input_value("#cred_client_id") == "my-client-id"  # what was typed stays
    _fits(page)
    page.screenshot(path=str(artifacts / "phone-not-saved.png"), full_page=True)

    # The typo fixed in the token alone: the client ID is not typed again.
    page.fill("#cred_access_token", store.access_token)
    page.get_by_role("button", name="Save & test").click()
    page.locator("#next-step").wait_for()
    assert page.input_value("#cred_client_id") == "my-client-id"
    page.screenshot(path=str(artifacts / "phone-saved-next-step.png"), full_page=True)


def test_a_blocked_storefront_is_allowed_in_one_click(dashboard, new_page, storefronts, artifacts):
    app, hub, site_id, _store, email = dashboard
    with app.app_context():
        widget = settings_for(db.session.get(Site, site_id))
        widget.allowed_origins = ["https://shop.example.com"]
        db.session.commit()
        snippet = (
            f'<script src="{hub.url}/widget/v1/claudery.js" data-site-key="{widget.site_key}" async></script>'
        )
    shop = storefronts()
    shop.show(snippet, hub.url)
    shopper = new_page(viewport=VIEWPORTS["desktop"])
    shopper.goto(shop.origin + "/")
    shopper.wait_for_load_state("networkidle")
    assert shopper.locator("claudery-widget .launcher").count() == 0  # refused: nothing shows

    page = new_page(viewport=VIEWPORTS["phone"])
    _login(page, hub, email)
    page.goto(f"{hub.url}/sites/{site_id}/widget")
    blocked = page.locator("#refused li", has_text=f"Blocked: {shop.origin}")
    blocked.wait_for()
    _fits(page)
    page.screenshot(path=str(artifacts / "phone-widget-blocked.png"), full_page=True)
    blocked.get_by_role("button", name="Allow").click()
    page.locator(".flash.success").wait_for()
    assert page.locator("#refused").count() == 0
    assert shop.origin in page.input_value("#allowed_origins")

    fresh = new_page(viewport=VIEWPORTS["desktop"])  # a new context: no cached "off" answer
    fresh.goto(shop.origin + "/")
    fresh.locator("claudery-widget .launcher").wait_for(state="visible")
    page.goto(f"{hub.url}/sites/{site_id}")
    assert shop.origin in page.locator("#widget-seen").inner_text()


def test_deleting_a_site_says_what_goes_and_asks_for_its_name(dashboard, new_page, artifacts):
    app, hub, site_id, _store, email = dashboard
    page = new_page(viewport=VIEWPORTS["phone"])
    _login(page, hub, email)
    page.goto(f"{hub.url}/sites/{site_id}")
    page.locator("#delete-site").click()
    consequences = page.locator("#consequences").inner_text()
    assert re.search(r"1\d\d synced products", consequences) and "2 runs" in consequences
    assert "credentials" in consequences
    page.fill("#confirm_name", "Demo store")  # not the name
    page.locator("#confirm-delete").click()
    assert "nothing was deleted" in page.locator("#confirm_name-error").inner_text()
    _fits(page)
    page.screenshot(path=str(artifacts / "phone-delete-refused.png"), full_page=True)
    page.fill("#confirm_name", "Demo")
    page.locator("#confirm-delete").click()
    page.locator(".flash.success", has_text="deleted").wait_for()
    with app.app_context():
        assert db.session.get(Site, site_id) is None
