"""The widget in a real browser, on a storefront of another origin under a strict CSP, over a synced catalog."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import Product, RunKind, Site
from hub.sync import engine, runs
from hub.widget.search import in_stock
from hub.widget.settings import settings_for
from tests.sync_support import unique_queue

pytestmark = pytest.mark.browser


@pytest.fixture
def synced(connected_site, live_server):
    """(app, hub server, site id, a visible in-stock product name): a demo store synced in this process."""
    app, site_id, _store = connected_site(products=120, quota=0, seed=7)
    app.config["HUB_QUEUE"] = unique_queue()  # nobody consumes it: the run executes right here
    with app.app_context():
        run, _ = runs.start_run(db.session.get(Site, site_id), RunKind.FULL)
        assert engine.execute(run.id, None) == "succeeded"
        products = db.session.scalars(
            select(Product).where(Product.site_id == site_id, Product.is_visible).order_by(Product.id)
        ).all()
        target = next(p for p in products if in_stock(p) and p.thumbnail_url and p.url_path)
        target_name = target.name
    return app, live_server(app), site_id, target_name


def _embed(app, site_id: int, hub_url: str, **values) -> str:
    with app.app_context():
        widget = settings_for(db.session.get(Site, site_id))
        for name, value in values.items():
            setattr(widget, name, value)
        db.session.commit()
        return (
            f'<script src="{hub_url}/widget/v1/claudery.js" data-site-key="{widget.site_key}" async></script>'
        )


def test_shopper_searches_on_a_strict_csp_storefront(synced, storefronts, new_page, artifacts):
    app, hub, site_id, name = synced
    shop = storefronts()
    shop.show(_embed(app, site_id, hub.url, allowed_origins=[shop.origin], accent_color="#aa2200"), hub.url)
    page = new_page(viewport={"width": 1200, "height": 800})
    page.goto(shop.origin + "/")
    launcher = page.locator("claudery-widget .launcher")
    launcher.wait_for(state="visible")
    page.screenshot(path=str(artifacts / "1-launcher.png"))

    # Styles do not leak either way: the host's button rule stays out, the widget's .name stays in.
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(170, 34, 0)"
    assert page.locator("#host-name").evaluate("e => getComputedStyle(e).fontWeight") == "400"

    # Keyboard only: focus the launcher, open with Enter, type, search with Enter.
    launcher.focus()
    page.keyboard.press("Enter")
    box = page.locator("claudery-widget input[type=search]")
    assert box.evaluate("e => e.getRootNode().activeElement === e")  # focus moved into the panel
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    first = page.locator("claudery-widget .product").first
    first.wait_for()
    assert first.locator(".name").text_content() == html.unescape(name)  # the exact product, ranked first
    assert first.locator(".stock").text_content() == "In stock"
    assert first.locator(".price .now").text_content().strip()
    href = first.locator("a").get_attribute("href")
    assert href.startswith("https://") and href.endswith("/")  # the storefront's domain + custom_url
    # The demo store serves its product pictures itself: the shopper sees a real image, not a broken one.
    image = first.locator("img")
    assert re.match(r"http://127\.0\.0\.1:\d+/__images/", image.get_attribute("src"))
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
    page.screenshot(path=str(artifacts / "2-results.png"))

    page.keyboard.press("Escape")
    assert page.locator("claudery-widget .panel").is_hidden()
    assert launcher.evaluate("e => e.getRootNode().activeElement === e")

    violations = [m for m in page.console_messages if "Content Security Policy" in m or "Refused" in m]
    assert not violations, violations

    # Readable on a phone: the panel fits the screen.
    phone = new_page(viewport={"width": 360, "height": 700}, is_mobile=True, has_touch=True)
    phone.goto(shop.origin + "/")
    phone.locator("claudery-widget .launcher").click()
    panel = phone.locator("claudery-widget .panel").bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 360 and panel["y"] >= 0
    phone.screenshot(path=str(artifacts / "3-phone.png"))


def test_other_origin_gets_nothing(synced, storefronts, new_page):
    app, hub, site_id, name = synced
    allowed, other = storefronts(), storefronts()
    snippet = _embed(app, site_id, hub.url, allowed_origins=[allowed.origin])
    other.show(snippet, hub.url)
    page = new_page()
    with page.expect_response(lambda r: "/widget/v1/config" in r.url):
        page.goto(other.origin + "/")
    page.wait_for_function("() => true")  # let the script finish handling the answer
    assert page.locator("claudery-widget").count() == 0
    assert any("not an allowed storefront address" in m for m in page.console_messages)
    # Even calling the API by hand from that page yields nothing readable (no CORS grant).
    key = snippet.split('data-site-key="')[1].split('"')[0]
    outcome = page.evaluate(
        "async (url) => { try { await fetch(url); return 'read'; } catch (e) { return 'blocked'; } }",
        f"{hub.url}/widget/v1/search?key={key}&q={name}",
    )
    assert outcome == "blocked"


def test_disabled_widget_renders_nothing(synced, storefronts, new_page):
    app, hub, site_id, _name = synced
    shop = storefronts()
    shop.show(_embed(app, site_id, hub.url, allowed_origins=[shop.origin], enabled=False), hub.url)
    page = new_page()
    with page.expect_response(lambda r: "/widget/v1/config" in r.url) as answer:
        page.goto(shop.origin + "/")
    assert answer.value.json() == {"enabled": False}
    page.wait_for_timeout(200)
    assert page.locator("claudery-widget").count() == 0
