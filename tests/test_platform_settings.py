"""The Platform settings page with the toy plugin: dynamic form, test, save, masking, tenancy, CSRF."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from hub.credentials import MASK
from hub.extensions import db
from hub.models import Site
from tests.conftest import csrf_token
from tests.toy_plugin import GOOD_KEY


def _settings(browser, site_id, data):
    url = f"/sites/{site_id}/platform"
    return browser.submit(url, {"platform": "toy", **data}, page_url=url + "?platform=toy")


def test_dropdown_lists_plugin_and_renders_its_fields(browser):
    browser.signup()
    site_id = browser.create_site()
    html = browser.get(f"/sites/{site_id}/platform?platform=toy").get_data(as_text=True)
    assert '<option selected value="toy">Toy Platform</option>' in html
    assert "Shop name" in html and "Toy API key" in html
    assert 'type="password"' in html  # the secret field
    assert "From the toy admin." in html  # help text from the schema metadata


def test_choose_without_javascript_rerenders(browser):
    browser.signup()
    site_id = browser.create_site()
    resp = browser.submit(f"/sites/{site_id}/platform", {"platform": "toy", "action": "choose"})
    assert resp.status_code == 200
    assert "Shop name" in resp.get_data(as_text=True)


def test_field_errors_come_from_the_plugin_before_any_call(browser):
    browser.signup()
    site_id = browser.create_site()
    resp = _settings(
        browser, site_id, {"cred_shop": "not valid!", "cred_api_key": GOOD_KEY, "action": "test"}
    )
    html = resp.get_data(as_text=True)
    assert "Letters and digits only" in html
    assert "Connection works" not in html


def test_unsaved_test_then_save_and_mask(app, browser, caplog):
    browser.signup()
    site_id = browser.create_site()
    caplog.set_level(logging.DEBUG)
    resp = _settings(
        browser, site_id, {"cred_shop": "  acme \n", "cred_api_key": f" {GOOD_KEY}\n", "action": "test"}
    )
    html = resp.get_data(as_text=True)
    assert "Connection works" in html and "Toy acme" in html
    assert GOOD_KEY not in html
    with app.app_context():
        assert db.session.get(Site, site_id).platform is None  # testing does not save

    resp = _settings(browser, site_id, {"cred_shop": "acme", "cred_api_key": GOOD_KEY, "action": "save"})
    assert resp.status_code == 302
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.connection_status == "connected"
        assert site.credentials_public == {"shop": "acme"}
        assert GOOD_KEY not in site.credentials_secret  # ciphertext, not plaintext
        assert site.store_name == "Toy acme"
    page = browser.get(f"/sites/{site_id}/platform").get_data(as_text=True)
    assert GOOD_KEY not in page and MASK in page
    assert "Connected to" in page

    # Unchanged mask keeps the secret; the connection still works.
    resp = _settings(browser, site_id, {"cred_shop": "acme", "cred_api_key": MASK, "action": "save"})
    with app.app_context():
        assert db.session.get(Site, site_id).connection_status == "connected"
    # A wrong new value is not saved: the working key stays (see test_failed_save_keeps_working_credentials).
    # Saved anyway on purpose, it replaces the key, and the site needs attention with the plugin's advice.
    _settings(
        browser, site_id, {"cred_shop": "acme", "cred_api_key": "wrong-key-123456", "action": "save_anyway"}
    )
    page = browser.get(f"/sites/{site_id}/platform").get_data(as_text=True)
    assert "Needs attention" in page and "paste the key again" in page
    assert "wrong-key-123456" not in page
    for record in caplog.records:
        assert GOOD_KEY not in record.getMessage()


def _stored_key(app, site_id) -> str:
    from hub import credentials

    with app.app_context():
        return credentials.stored(db.session.get(Site, site_id))["api_key"]


def test_failed_save_keeps_working_credentials(app, browser):
    browser.signup()
    site_id = browser.create_site()
    _settings(browser, site_id, {"cred_shop": "acme", "cred_api_key": GOOD_KEY, "action": "save"})
    resp = _settings(
        browser, site_id, {"cred_shop": "acme2", "cred_api_key": "wrong-key-123456", "action": "save"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert (
        "Not saved: Toy Platform rejected the new Shop name and Toy API key — your previous credentials "
        "are still in use." in html
    )
    assert 'value="acme2"' in html  # what the merchant typed in the non-secret field stays
    assert 'value="save_anyway"' in html  # an explicit way to insist
    assert "wrong-key-123456" not in html
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.connection_status == "connected"
        assert site.credentials_public == {"shop": "acme"}
    assert _stored_key(app, site_id) == GOOD_KEY


def test_typo_in_another_field_does_not_lose_the_typed_secret(app, browser, client):
    browser.signup()
    site_id = browser.create_site()
    resp = _settings(
        browser, site_id, {"cred_shop": "not valid!", "cred_api_key": GOOD_KEY, "action": "save"}
    )
    html = resp.get_data(as_text=True)
    assert "Letters and digits only" in html
    assert GOOD_KEY not in html
    pending = re.search(r'name="pending" value="([^"]+)"', html).group(1)
    key_input = re.search(r'<input[^>]*id="cred_api_key"[^>]*>', html).group(0)
    assert f'value="{MASK}"' in key_input  # the field shows that a value is kept
    # The merchant fixes the shop name only: the mask stands for the key typed before.
    resp = client.post(
        f"/sites/{site_id}/platform",
        data={
            "platform": "toy",
            "cred_shop": "acme",
            "cred_api_key": MASK,
            "pending": pending,
            "action": "save",
            "csrf_token": csrf_token(html),
        },
    )
    assert resp.status_code == 302
    assert _stored_key(app, site_id) == GOOD_KEY

    # The sealed value is bound to its site: another site of the same merchant cannot use it.
    other = browser.create_site("Other")
    page = browser.get(f"/sites/{other}/platform?platform=toy").get_data(as_text=True)
    resp = client.post(
        f"/sites/{other}/platform",
        data={
            "platform": "toy",
            "cred_shop": "acme",
            "cred_api_key": MASK,
            "pending": pending,
            "action": "test",
            "csrf_token": csrf_token(page),
        },
    )
    assert "Connection works" not in resp.get_data(as_text=True)


def test_tenancy_other_merchant_gets_404(app, client, browser):
    browser.signup("a@example.com")
    site_id = browser.create_site("A's store")
    browser.submit("/logout", {}, page_url="/")
    browser.signup("b@example.com")
    for url in (f"/sites/{site_id}", f"/sites/{site_id}/platform"):
        assert browser.get(url).status_code == 404
    page = browser.get("/").get_data(as_text=True)
    assert "A&#39;s store" not in page and "A's store" not in page
    resp = browser.submit(f"/sites/{site_id}/delete", {}, page_url="/sites/new")
    assert resp.status_code == 404
    resp = browser.submit(
        f"/sites/{site_id}/platform", {"platform": "toy", "action": "save"}, page_url="/sites/new"
    )
    assert resp.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Site).where(Site.id == site_id)) is not None


@pytest.mark.parametrize(
    "url", ["/signup", "/login", "/sites/new", "/sites/{id}/platform", "/sites/{id}/delete", "/logout"]
)
def test_csrf_enforced_on_every_post(browser, client, url):
    browser.signup()
    site_id = browser.create_site()
    resp = client.post(url.format(id=site_id), data={"name": "x", "platform": "toy", "action": "save"})
    assert resp.status_code == 400


def test_login_required(client):
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_login_wrong_password(browser):
    browser.signup()
    browser.submit("/logout", {}, page_url="/")
    resp = browser.submit("/login", {"email": "merchant@example.com", "password": "nope nope nope"})
    assert resp.status_code == 200 and "Wrong email or password" in resp.get_data(as_text=True)
    resp = browser.submit("/login", {"email": " Merchant@Example.com ", "password": "correct horse battery"})
    assert resp.status_code == 302
