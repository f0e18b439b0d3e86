"""The merchant's whole path in a real browser, as a newcomer walks it, with a screenshot of every step.

Sign up, create a site, pick BigCommerce, paste demo-store credentials the sloppy way (stray spaces, the
API path instead of the hash), test, save, sync on a real `hub worker` while the progress bar moves to the
end, see the product count, open the widget settings, copy the embed code - then check that the copied
line really works on a storefront page.
"""

from __future__ import annotations

import re

import pytest

from hub.extensions import db
from tests.conftest import make_app
from tests.sync_support import Worker, unique_queue, worker_env

pytestmark = pytest.mark.browser
PRODUCTS = 1500


@pytest.fixture
def hub_for_demo_store(database_url, tmp_path, redis_url, demo_store_factory, live_server):
    """(app, server, store, worker): the hub with the BigCommerce plugin, a slowish demo store, a worker."""
    from claudery_bigcommerce import plugin as bigcommerce_plugin

    # Latency makes each page of 250 take a moment, so the progress bar visibly moves between polls.
    store = demo_store_factory(products=PRODUCTS, quota=0, seed=3, faults={"latency_ms": 600})
    queue = unique_queue()
    app = make_app(
        database_url,
        tmp_path,
        plugins=[("bigcommerce", bigcommerce_plugin)],
        BIGCOMMERCE_API_URL=store.base_url,
        REDIS_URL=redis_url,
        HUB_QUEUE=queue,
        TESTING=False,  # behave like production: real CSRF, real redirects
    )
    worker = Worker(
        worker_env(app, redis_url, queue, BIGCOMMERCE_MAX_CONCURRENCY="1"), tmp_path / "worker.log"
    )
    server = live_server(app)
    yield app, server, store
    worker.stop()
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


def test_newcomer_goes_from_signup_to_a_working_widget(hub_for_demo_store, new_page, storefronts, artifacts):
    _app, hub, store = hub_for_demo_store
    page = new_page(viewport={"width": 1200, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hub.url)
    step = iter(range(1, 100))

    def shot(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(step):02d}-{name}.png"), full_page=True)

    # 1. Sign up.
    page.goto(hub.url + "/signup")
    page.fill("#email", "newcomer@example.com")
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    shot("signup")
    page.get_by_role("button", name="Create account").click()

    # 2. Create a site (a new account lands on the new-site form).
    page.wait_for_url(re.compile(r"/sites/new$"))
    page.fill("#name", "My jar shop")
    shot("new-site")
    page.get_by_role("button", name="Create site").click()

    # 3. Pick BigCommerce and paste the credentials as copied from the API account dialog.
    page.wait_for_url(re.compile(r"/sites/\d+/platform"))
    site_id = int(re.search(r"/sites/(\d+)/", page.url).group(1))
    if page.locator("#cred_store_hash").count() == 0:
        with page.expect_navigation():
            page.select_option("#platform", "bigcommerce")
    page.fill("#cred_store_hash", f"  https://api.bigcommerce.com/stores/{store.store_hash}/v3/  ")
    page.fill("#cred_access_token", f"  {store.access_token} \t")
    shot("credentials")

    # 4. Test the connection, then save.
    page.get_by_role("button", name="Test connection").click()
    page.locator("#test-result").wait_for()
    assert "Connection works" in page.locator("#test-result h2").text_content()
    shot("test-ok")
    # The token is never sent back to the browser, yet it need not be typed again: the dots stand for it.
    assert page.input_value("#cred_access_token") == "\u2022" * 10
    page.get_by_role("button", name="Save & test").click()
    page.locator(".badge.ok").first.wait_for()
    assert page.locator("#next-step").get_by_role("button", name="Sync products now").is_visible()
    shot("saved")

    # 5. Sync, watching the progress bar move to the end.
    page.get_by_role("link", name="Product sync").click()
    page.locator("#sync-button").click()
    seen: list[tuple[int, int]] = []
    progress = page.locator("#progress-bar")
    for _ in range(300):
        if page.locator("#outcome").text_content() or not page.locator("#progress").is_visible():
            if seen:
                break
        else:
            value = (int(progress.evaluate("p => p.value")), int(progress.evaluate("p => p.max")))
            if not seen or value != seen[-1]:
                seen.append(value)
                if len(seen) == 2:
                    shot("sync-progress")
                    # The merchant's words: a stage name and counts, never "0 of ?" or "ETA ?".
                    assert page.locator("#stage-text").text_content().strip()
                    assert "?" not in page.locator("#progress-text").text_content()
        page.wait_for_timeout(100)
    assert len({v for v, _ in seen}) >= 2, f"the bar never moved: {seen}"
    assert [v for v, _ in seen] == sorted(v for v, _ in seen), seen  # only forward
    page.locator("#outcome").filter(has_text="succeeded").wait_for(timeout=60_000)
    shot("sync-done")
    page.wait_for_load_state()
    page.locator("#history").wait_for(timeout=10_000)  # the page reloads itself once the run ends
    assert page.locator("#stored-count").text_content() == f"{PRODUCTS:,}"
    assert seen[-1][1] == PRODUCTS

    # 6. Widget settings: the embed code, copied with the button.
    page.get_by_role("link", name="Widget").click()
    page.locator("#embed-code").wait_for()
    page.get_by_role("button", name="Copy").click()
    page.locator("#copy-status").filter(has_text="Copied").wait_for()
    snippet = page.evaluate("navigator.clipboard.readText()")
    assert snippet == page.locator("#embed-code").input_value()
    assert re.fullmatch(
        rf'<script src="{re.escape(hub.url)}/widget/v1/claudery\.js" data-site-key="cw_pub_[\w-]+" async></script>',
        snippet,
    ), snippet
    shot("widget-settings")

    # 7. The merchant allows their storefront and pastes the line there: it answers from the synced catalog.
    shop = storefronts()
    page.fill("#allowed_origins", shop.origin)
    page.get_by_role("button", name="Save widget settings").click()
    page.locator(".flash.success").wait_for()
    shop.show(snippet, hub.url)
    shopper = new_page()
    shopper.goto(shop.origin + "/")
    shopper.locator("claudery-widget .launcher").click()
    shopper.locator("claudery-widget input[type=search]").fill("jar")
    shopper.keyboard.press("Enter")
    shopper.locator("claudery-widget .product").first.wait_for()
    assert shopper.locator("claudery-widget .product").count() >= 1
    shopper.screenshot(path=str(artifacts / f"{next(step):02d}-storefront.png"))
    assert site_id
