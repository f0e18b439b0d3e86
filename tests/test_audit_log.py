"""Point 12 of issue 13: the audit log of credential and widget-key changes (who, when, what; no values)."""

from __future__ import annotations

import json

from hub.credentials import MASK
from hub.extensions import db
from hub.models import AuditEvent
from tests.toy_plugin import GOOD_KEY

WIDGET_FORM = {
    "position": "bottom-right",
    "accent_color": "#4f46e5",
    "greeting": "Hi",
    "language": "en",
    "results_per_answer": "5",
}


def _save(browser, site_id, values):
    return browser.submit(f"/sites/{site_id}/platform", {"platform": "toy", "action": "save", **values})


def test_changes_are_logged_by_name_and_shown_on_the_site_page(app, browser):
    browser.signup("owner@example.com")
    site_id = browser.create_site()
    assert _save(browser, site_id, {"cred_shop": "acme", "cred_api_key": GOOD_KEY}).status_code == 302
    # The same key again (the mask) and a new shop name: only "shop" changed.
    assert _save(browser, site_id, {"cred_shop": "acme2", "cred_api_key": MASK}).status_code == 302
    assert (
        browser.submit(
            f"/sites/{site_id}/widget", {**WIDGET_FORM, "enabled": "y", "allowed_origins": "shop.example"}
        ).status_code
        == 302
    )
    assert (
        browser.submit(
            f"/sites/{site_id}/widget", {**WIDGET_FORM, "allowed_origins": "b.example"}
        ).status_code
        == 302
    )
    assert (
        browser.submit(
            f"/sites/{site_id}/widget/rotate-key", {}, page_url=f"/sites/{site_id}/widget"
        ).status_code
        == 302
    )

    with app.app_context():
        events = db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.site_id == site_id).order_by(AuditEvent.id)
        ).all()
        log = [(e.action, e.detail, e.actor) for e in events]
    assert log == [
        ("credentials.saved", {"platform": "toy", "fields": ["api_key", "shop"]}, "owner@example.com"),
        ("credentials.saved", {"platform": "toy", "fields": ["shop"]}, "owner@example.com"),
        ("widget.origins_changed", {"added": ["https://shop.example"], "removed": []}, "owner@example.com"),
        ("widget.disabled", {}, "owner@example.com"),
        (
            "widget.origins_changed",
            {"added": ["https://b.example"], "removed": ["https://shop.example"]},
            "owner@example.com",
        ),
        ("widget.key_rotated", {}, "owner@example.com"),
    ]
    page = browser.get(f"/sites/{site_id}").get_data(as_text=True)
    assert "Widget key rotated" in page and "changed: api_key, shop" in page and "owner@example.com" in page
    assert GOOD_KEY not in page and GOOD_KEY not in json.dumps(log)


def test_other_merchants_do_not_see_the_log(app, browser, client):
    browser.signup("owner@example.com")
    site_id = browser.create_site()
    _save(browser, site_id, {"cred_shop": "acme", "cred_api_key": GOOD_KEY})
    browser.submit("/logout", {}, page_url="/")
    browser.signup("other@example.com")
    assert browser.get(f"/sites/{site_id}").status_code == 404


def test_the_command_line_is_named_as_the_actor(app):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from hub.cli import cli

    runner = CliRunner()
    obj = ScriptInfo(create_app=lambda: app)
    runner.invoke(cli, ["users", "create", "op@example.com"], input="a long password\n", obj=obj)
    made = runner.invoke(
        cli,
        ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "Acme"],
        input=json.dumps({"shop": "acme", "api_key": GOOD_KEY}),
        obj=obj,
    )
    site_id = int(made.stdout.strip().splitlines()[-1])
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.site_id == site_id))
        assert (event.actor, event.user_id, event.detail["fields"]) == (
            "command line",
            None,
            ["api_key", "shop"],
        )
