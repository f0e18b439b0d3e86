"""Secrets seen by the hub are scrubbed from every log record, messages and tracebacks alike."""

from __future__ import annotations

import logging

from hub import redaction


def test_registered_secret_is_masked_in_message_args_and_traceback(caplog):
    redaction.install()
    secret = "tok-SuperSecret-987654"
    redaction.register(secret)
    log = logging.getLogger("hub.test")
    with caplog.at_level(logging.INFO):
        log.info("calling with %s", secret)
        try:
            raise RuntimeError(f"server echoed {secret}")
        except RuntimeError:
            log.exception("failed")
    text = caplog.text + "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert secret not in text
    assert "***" in caplog.records[0].getMessage()
    assert "server echoed ***" in (caplog.records[1].exc_text or "")


def test_short_values_are_not_registered():
    redaction.register("abc")
    assert redaction.redact("abc def") == "abc def"


def test_failing_connection_test_never_logs_the_token(app, browser, caplog):
    """The merchant path with a wrong token: nothing the hub logs contains what was typed."""
    caplog.set_level(logging.DEBUG)
    browser.signup()
    site_id = browser.create_site()
    url = f"/sites/{site_id}/platform"
    typed = "wrong-token-ABCDEF123456"
    resp = browser.submit(
        url,
        {"platform": "toy", "cred_shop": "acme", "cred_api_key": typed, "action": "save"},
        page_url=url + "?platform=toy",
    )
    assert resp.status_code == 200  # refused: a failed test saves nothing
    page = resp.get_data(as_text=True)
    assert typed not in page and "Not saved: Toy Platform rejected" in page
    toy_records = [r for r in caplog.records if r.name == "toy"]
    assert toy_records and "toy rejected key ***" in toy_records[0].getMessage()
    assert all(typed not in r.getMessage() for r in caplog.records)
