"""The Search preferences page in a real browser: changing a preference re-ranks the live preview."""

from __future__ import annotations

import re

import pytest

from hub.extensions import db
from hub.models import Site
from hub.views.auth import create_user
from hub.widget import vocabulary
from tests.widget_support import add_catalog, product

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def hub_and_site(app, live_server):
    with app.app_context():
        vocabulary.forget()
        user = create_user("prefs@example.com", PASSWORD)
        site = Site(owner_id=user.id, name="Sofa shop", platform="toy", store_info={"currency": "EUR"})
        db.session.add(site)
        db.session.commit()
        add_catalog(site.id, [product(1, "Velvet Sofa", price="900.00"),
                              product(2, "Sofa Cushion", price="25.00", in_stock=False)])  # fmt: skip
        site_id = site.id
    yield live_server(app), site_id
    vocabulary.forget()


def _names(page) -> list[str]:
    return page.locator("#preview-results .name").all_text_contents()


def test_preferences_change_the_ranking_in_the_preview(hub_and_site, new_page):
    hub, site_id = hub_and_site
    page = new_page(viewport={"width": 1200, "height": 900})
    page.goto(hub.url + "/login")
    page.fill("#email", "prefs@example.com")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"{hub.url}/sites/{site_id}/search")
    page.fill("#preview-q", "sofa")
    page.wait_for_function("() => document.querySelectorAll('#preview-results li').length === 2")
    assert _names(page) == ["Velvet Sofa", "Sofa Cushion"]  # in stock first
    page.fill("#pinned", "sofa: 2")  # unsaved: the preview follows the form
    page.wait_for_function(
        "() => document.querySelector('#preview-results .name').textContent === 'Sofa Cushion'"
    )
    assert _names(page) == ["Sofa Cushion", "Velvet Sofa"]
    page.fill("#pinned", "")
    page.fill("#weight_name", "0")  # names no longer count: nothing else mentions a sofa
    page.wait_for_function("() => document.querySelectorAll('#preview-results li').length === 0")
    assert page.locator("#preview-status").text_content() == "No results."
    violations = [m for m in page.console_messages if "Content Security Policy" in m or "Refused" in m]
    assert not violations, violations
