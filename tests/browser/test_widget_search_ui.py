"""The widget's search in a real browser: results while typing, understood parts as removable chips."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.widget import assistant, vocabulary
from hub.widget.settings import settings_for
from tests.widget_support import add_catalog, make_site, product

pytestmark = pytest.mark.browser

CATALOG = [
    product(1, "Stoneware Coffee Mug", price="14.00"),
    product(2, "Enamel Camping Mug", price="32.00"),
    product(3, "Porcelain Espresso Cup", price="9.00"),
]


@pytest.fixture
def shop(app, live_server, storefronts):
    """(page origin, hub) with the widget embedded on a storefront page for a three-product catalog."""
    with app.app_context():
        vocabulary.forget()
        site = make_site()
        add_catalog(site.id, CATALOG)
        assistant.save(db.session, site.id, assistant.Assistant(
            name="Ada", starters=("Mugs under 20",), languages=("en", "fr")))  # fmt: skip
        widget = settings_for(site)
        front = storefronts()
        widget.allowed_origins = [front.origin]
        db.session.commit()
        hub = live_server(app)
        front.show(f'<script src="{hub.url}/widget/v1/claudery.js" data-site-key="{widget.site_key}" async>'
                   "</script>", hub.url)  # fmt: skip
        yield front.origin
        vocabulary.forget()


def _open(new_page, origin, **options):
    page = new_page(viewport={"width": 1200, "height": 800}, **options)
    page.goto(origin + "/")
    page.locator("claudery-widget .launcher").click()
    return page, page.locator("claudery-widget input[type=search]")


def _names(page) -> list[str]:
    return page.locator("claudery-widget .product .name").all_text_contents()


def test_typing_shows_results_as_you_type(shop, new_page):
    page, box = _open(new_page, shop)
    box.press_sequentially("espr", delay=40)  # no Enter: an unfinished word
    page.locator("claudery-widget .product").first.wait_for()
    assert _names(page) == ["Porcelain Espresso Cup"]
    box.press_sequentially("esso cu", delay=40)
    page.wait_for_function(
        "() => document.querySelector('claudery-widget').shadowRoot.querySelector('.status')"
        ".textContent.startsWith('Here is 1')"
    )
    assert _names(page) == ["Porcelain Espresso Cup"]


def test_chips_appear_and_can_be_removed(shop, new_page):
    page, box = _open(new_page, shop)
    box.fill("mug under 20")
    box.press("Enter")
    chip = page.locator("claudery-widget .chip.price")
    chip.wait_for()
    assert chip.locator("span").first.text_content() == "under €20"
    assert _names(page) == ["Stoneware Coffee Mug"]  # the €32 mug is left out
    chip.click()
    page.wait_for_function(
        "() => !document.querySelector('claudery-widget').shadowRoot.querySelector('.chip.price')"
    )
    assert box.input_value() == "mug"
    page.wait_for_function(
        "() => document.querySelector('claudery-widget').shadowRoot.querySelectorAll('.product').length === 2"
    )
    assert sorted(_names(page)) == ["Enamel Camping Mug", "Stoneware Coffee Mug"]
    violations = [m for m in page.console_messages if "Content Security Policy" in m or "Refused" in m]
    assert not violations, violations


def test_did_you_mean_searches_the_suggestion(shop, new_page):
    page, box = _open(new_page, shop)
    box.fill("porselian")
    box.press("Enter")
    suggestion = page.locator("claudery-widget .suggest")
    suggestion.wait_for()
    assert suggestion.text_content() == "Did you mean “porcelain”?"
    suggestion.click()
    page.locator("claudery-widget .product").first.wait_for()
    assert _names(page) == ["Porcelain Espresso Cup"] and box.input_value() == "porcelain"
    assert suggestion.is_hidden()


def test_starter_questions_and_the_shoppers_language(shop, new_page):
    page, box = _open(new_page, shop, locale="fr-FR")  # French is offered: the widget speaks it
    assert box.get_attribute("placeholder") == "Que cherchez-vous ?"
    page.locator("claudery-widget .starter", has_text="Mugs under 20").click()
    page.locator("claudery-widget .product").first.wait_for()
    assert _names(page) == ["Stoneware Coffee Mug"] and box.input_value() == "Mugs under 20"
    assert page.locator("claudery-widget .starters").is_hidden()
