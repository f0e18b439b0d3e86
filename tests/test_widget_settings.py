"""The merchant's widget page: settings form, origins, embed code, key rotation, preview, tenancy, CSRF."""

from __future__ import annotations

import re

import pytest

from hub.extensions import db
from hub.models import Site
from hub.widget.settings import OriginError, normalize_origin, parse_origins

FORM = {
    "enabled": "y",
    "position": "bottom-left",
    "accent_color": "#FF6600",
    "greeting": "  Hello shopper  ",
    "language": "fr",
    "allowed_origins": "Shop.Example.com/some/page\nhttps://shop.example.com:443, http://localhost:8080/",
    "include_out_of_stock": "y",
    "results_per_answer": "7",
}


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("shop.example.com", "https://shop.example.com"),
        ("HTTPS://Shop.Example.COM/products/jar/?x=1", "https://shop.example.com"),
        ("https://shop.example.com:443", "https://shop.example.com"),
        ("http://127.0.0.1:8000/page", "http://127.0.0.1:8000"),
        ("https://store-abc123.mybigcommerce.com", "https://store-abc123.mybigcommerce.com"),
    ],
)
def test_normalize_origin(raw, origin):
    assert normalize_origin(raw) == origin


@pytest.mark.parametrize(
    "raw", ["ftp://shop.example.com", "https://*.example.com", "https://", "https://a:99999"]
)
def test_bad_origins(raw):
    with pytest.raises(OriginError):
        normalize_origin(raw)


def test_parse_origins_dedupes_and_caps():
    assert parse_origins("a.example\nhttps://a.example/x, b.example") == [
        "https://a.example",
        "https://b.example",
    ]
    with pytest.raises(OriginError):
        parse_origins("\n".join(f"s{i}.example" for i in range(21)))


def _page(browser, site_id):
    resp = browser.get(f"/sites/{site_id}/widget")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _key(html):
    return re.search(r'data-site-key="(cw_pub_[^"]+)"', html).group(1)


def test_page_shows_embed_code_with_prefilled_origins(browser, app):
    browser.signup()
    site_id = browser.create_site()
    with app.app_context():
        site = db.session.get(Site, site_id)
        site.store_info = {"domain": "jar-linen.example", "secure_url": "https://www.jar-linen.example"}
        site.platform = "toy"
        db.session.commit()
    html = _page(browser, site_id)
    key = _key(html)
    assert f'<script src="http://localhost/widget/v1/claudery.js" data-site-key="{key}" async></script>' in (
        html.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&quot;", '"')
    )
    assert "https://www.jar-linen.example\nhttps://jar-linen.example</textarea>" in html
    # The install steps are the platform plugin's (the toy plugin's here), never hard-coded in the hub.
    assert "Toy admin → Scripts" in html and "img.toy.example" in html
    assert 'id="copy-embed"' in html
    assert _key(_page(browser, site_id)) == key  # stable across visits


def test_save_settings_normalizes_and_validates(browser, client):
    browser.signup()
    site_id = browser.create_site()
    url = f"/sites/{site_id}/widget"
    resp = browser.submit(url, FORM)
    assert resp.status_code == 302
    html = _page(browser, site_id)
    assert "https://shop.example.com\nhttp://localhost:8080</textarea>" in html
    assert 'value="#ff6600"' in html and "\nHello shopper</textarea>" in html
    key = _key(html)
    config = client.get(
        f"/widget/v1/config?key={key}", headers={"Origin": "http://localhost:8080"}
    ).get_json()
    assert config == {
        "enabled": True, "position": "bottom-left", "accent": "#ff6600", "greeting": "Hello shopper",
        "language": "fr", "results": 7, "store": "My store", "currency": None,
        "assistant": {"name": "Assistant", "starters": [], "languages": ["en"]},
    }  # fmt: skip

    for field, value, message in [
        ("allowed_origins", "ftp://x.example", "must start with https://"),
        ("allowed_origins", "", "Add your storefront"),
        ("results_per_answer", "50", "Between 1 and 20"),
        ("accent_color", "red", "Use a colour like"),
        ("language", "xx", "Not a valid choice"),
    ]:
        resp = browser.submit(url, {**FORM, field: value})
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), field
    # Switched off, no origin is needed.
    off = {k: v for k, v in FORM.items() if k != "enabled"} | {"allowed_origins": ""}
    assert browser.submit(url, off).status_code == 302


def test_post_without_csrf_is_refused(browser, client):
    browser.signup()
    site_id = browser.create_site()
    resp = client.post(f"/sites/{site_id}/widget", data=FORM)
    assert resp.status_code == 400
    resp = client.post(f"/sites/{site_id}/widget/rotate-key")
    assert resp.status_code == 400


def test_rotate_key(browser, client):
    browser.signup()
    site_id = browser.create_site()
    old = _key(_page(browser, site_id))
    resp = browser.submit(f"/sites/{site_id}/widget/rotate-key", {}, page_url=f"/sites/{site_id}/widget")
    assert resp.status_code == 302
    new = _key(_page(browser, site_id))
    assert new != old
    assert client.get(f"/widget/v1/config?key={old}").get_json() == {"enabled": False}
    assert client.get(f"/widget/v1/config?key={new}").get_json()["enabled"] is True


def test_other_merchants_site_is_404_and_login_required(browser, client, app):
    browser.signup()
    site_id = browser.create_site()
    client.post("/logout", data={})  # CSRF-protected; clear the session cookie instead
    client.delete_cookie("session")
    assert client.get(f"/sites/{site_id}/widget").status_code == 302  # to the login page
    browser.signup("intruder@example.com")
    assert client.get(f"/sites/{site_id}/widget").status_code == 404
    assert browser.client.post(f"/sites/{site_id}/widget/rotate-key").status_code in (400, 404)


def test_preview_works_for_the_owner_only_even_when_off(browser, client, app):
    browser.signup()
    site_id = browser.create_site()
    key = _key(_page(browser, site_id))
    off = {k: v for k, v in FORM.items() if k != "enabled"}
    assert browser.submit(f"/sites/{site_id}/widget", off).status_code == 302
    assert client.get(f"/widget/v1/config?key={key}").get_json() == {"enabled": False}
    preview = client.get(f"/widget/v1/config?key={key}&preview=1")
    assert preview.get_json()["enabled"] is True and preview.headers["Cache-Control"] == "no-store"
    # From a storefront origin, or without the owner's session, preview=1 changes nothing.
    assert client.get(
        f"/widget/v1/config?key={key}&preview=1", headers={"Origin": "https://shop.example.com"}
    ).get_json() == {"enabled": False}
    client.delete_cookie("session")
    assert client.get(f"/widget/v1/config?key={key}&preview=1").get_json() == {"enabled": False}


def test_widget_tab_is_linked(browser):
    browser.signup()
    site_id = browser.create_site()
    html = browser.get(f"/sites/{site_id}/sync").get_data(as_text=True)
    assert f'href="/sites/{site_id}/widget"' in html


def test_generic_install_steps_without_a_platform_guide(browser):
    browser.signup()
    html = _page(browser, browser.create_site())
    assert "just before &lt;/body&gt;" in html


def test_bigcommerce_guide_names_script_manager_footer_and_consent():
    from claudery_bigcommerce import plugin

    guide = plugin.embed_instructions("bigcommerce", "bottom-left")
    text = " ".join(guide.steps + guide.notes)
    for words in ("Script Manager", "Footer", "All pages", "Functional", "</body>", "bottom left"):
        assert words in text
