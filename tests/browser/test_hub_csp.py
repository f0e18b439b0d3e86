"""Point 5 of issue 13 in a real browser: the merchant pages work under the hub's strict CSP."""

from __future__ import annotations

import pytest

from hub.extensions import db
from tests.conftest import make_app
from tests.widget_support import add_catalog, product

pytestmark = pytest.mark.browser


def test_merchant_pages_raise_no_csp_violation(database_url, tmp_path, new_page, live_server, app):
    hub_app = make_app(database_url, tmp_path, TESTING=False, REDIS_URL="")
    hub = live_server(hub_app)
    page = new_page()
    page.goto(f"{hub.url}/signup")
    page.fill("#email", "csp@example.com")
    page.fill("#password", "correct horse battery")
    page.fill("#confirm", "correct horse battery")
    page.click("#submit")
    page.fill("#name", "CSP shop")
    page.click("#submit")
    site_id = int(page.url.rstrip("/").split("/")[-2])
    with hub_app.app_context():
        add_catalog(site_id, [product(1, "Glass jar", price="3.00")])
        db.engine.dispose()
    for path in ("platform", "sync", "products", "widget"):
        response = page.goto(f"{hub.url}/sites/{site_id}/{path}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The widget page's preview loads the real widget script and its shadow-DOM stylesheet.
    page.wait_for_selector("claudery-widget", state="attached")
    page.wait_for_function("document.querySelector('claudery-widget').shadowRoot !== null")
    violations = [m for m in page.console_messages if "Content Security Policy" in m or "Refused" in m]
    assert not violations, violations
