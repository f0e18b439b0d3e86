"""Point 10 of issue 13: alert emails through a real local SMTP server (aiosmtpd), one per condition."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from hub import alerts
from hub.extensions import db
from hub.models import AlertState, Site, SyncRun, User
from hub.models.base import utcnow
from tests.conftest import Browser, make_app


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture
def alert_app(database_url, tmp_path, smtp, app):  # ``app``: empties the tables afterwards
    controller, _inbox = smtp
    return make_app(
        database_url,
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_FROM="Hub <hub@claudery.test>",
        HUB_PUBLIC_URL="https://hub.claudery.test",
    )


def _site(email: str, **fields) -> Site:
    user = User(email=email, password_hash="x")
    db.session.add(user)
    db.session.flush()
    site = Site(owner_id=user.id, name=f"Shop of {email}", platform="toy", **fields)
    db.session.add(site)
    db.session.commit()
    return site


def _run(site: Site, state: str, *, created=None, **fields) -> SyncRun:
    run = SyncRun(site_id=site.id, kind="incremental", state=state, created_at=created or utcnow(),
                  finished_at=utcnow(), **fields)  # fmt: skip
    db.session.add(run)
    db.session.commit()
    return run


def test_a_failed_sync_mails_once_until_it_clears(alert_app, smtp):
    _controller, inbox = smtp
    with alert_app.app_context():
        site = _site("owner@example.com")
        _run(site, "succeeded")
        _run(site, "failed", error_message="The store's API answered 500 five times.")
        site_id = site.id
        assert alerts.check_and_notify() == [(site.id, "sync_failed")]
        assert alerts.check_and_notify() == []  # still failing: no second mail
        _run(site, "partially_failed", products_failed=3)
        assert alerts.check_and_notify() == []  # the same condition continues
        _run(site, "succeeded")
        assert alerts.check_and_notify() == []
        assert db.session.scalar(db.select(db.func.count()).select_from(AlertState)) == 0  # cleared
        _run(site, "partially_failed", products_failed=2)
        assert alerts.check_and_notify() == [(site.id, "sync_failed")]
    assert len(inbox.messages) == 2
    first, second = inbox.messages
    assert first["To"] == "owner@example.com" and "Product sync failed" in first["Subject"]
    body = first.get_content()
    assert "answered 500 five times" in body and f"https://hub.claudery.test/sites/{site_id}" in body
    assert "2 product error(s)" in second.get_content()


def test_needs_attention_and_opt_out(alert_app, smtp):
    _controller, inbox = smtp
    with alert_app.app_context():
        broken = _site(
            "a@example.com", connection_status="needs_attention", last_test_message="Token revoked."
        )
        quiet = _site("b@example.com", connection_status="needs_attention", alerts_enabled=False)
        assert alerts.check_and_notify() == [(broken.id, "needs_attention")]
        quiet.alerts_enabled = True
        db.session.commit()
        assert alerts.check_and_notify() == [(quiet.id, "needs_attention")]  # opted back in, still broken
    assert [m["To"] for m in inbox.messages] == ["a@example.com", "b@example.com"]
    assert "Token revoked." in inbox.messages[0].get_content()


def test_unusual_api_usage(alert_app, smtp):
    _controller, inbox = smtp
    with alert_app.app_context():
        site = _site("busy@example.com")
        steady = _site("steady@example.com")
        for day in range(1, 8):  # a usual day: 300 requests
            for s in (site, steady):
                _run(s, "succeeded", created=utcnow() - timedelta(days=day, hours=1), requests=300)
        _run(site, "succeeded", requests=6000)  # 20x a usual day
        _run(steady, "succeeded", requests=400)
        throttled = _site("throttled@example.com")
        _run(throttled, "succeeded", requests=50, rate_limit_wait_s=1800.0)
        mailed = set(alerts.check_and_notify())
        assert mailed == {(site.id, "unusual_usage"), (throttled.id, "unusual_usage")}
    bodies = {m["To"]: m.get_content() for m in inbox.messages}
    assert "6000 API requests" in bodies["busy@example.com"] and "20x" in bodies["busy@example.com"]
    assert "30 minutes on the platform's rate limits" in bodies["throttled@example.com"]


def test_smtp_down_retries_on_the_next_pass(database_url, tmp_path, app, smtp):
    controller, inbox = smtp
    down = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=_free_port(), SMTP_TIMEOUT=2.0)
    with down.app_context():
        site_id = _site("later@example.com", connection_status="needs_attention").id
        assert alerts.check_and_notify() == []
        assert db.session.scalar(db.select(AlertState.mailed_at)) is None
    up = make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    with up.app_context():
        assert alerts.check_and_notify() == [(site_id, "needs_attention")]
    assert len(inbox.messages) == 1


def test_owner_switches_alerts_off_on_the_site_page(app, browser):
    browser.signup("owner@example.com")
    site_id = browser.create_site()
    page = browser.get(f"/sites/{site_id}").get_data(as_text=True)
    assert "Alert emails" in page and "Switch off" in page
    resp = browser.submit(f"/sites/{site_id}/alerts", {"enabled": "0"}, page_url=f"/sites/{site_id}")
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Site, site_id).alerts_enabled is False
    other = Browser(app.test_client())
    other.signup("other@example.com")
    stranger = other.submit(f"/sites/{site_id}/alerts", {"enabled": "1"}, page_url="/")
    assert stranger.status_code == 404


@pytest.mark.slow
def test_the_worker_loop_sends_alerts(database_url, tmp_path, app, smtp, redis_url):
    """A real ``hub worker`` process mails a failed sync from its periodic pass."""
    import os
    import subprocess
    import sys

    from tests.conftest import TEST_KEY

    controller, inbox = smtp
    with app.app_context():
        site = _site("worker@example.com")
        _run(site, "failed", error_message="boom")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "s" * 32,
        "HUB_ENCRYPTION_KEYS": TEST_KEY,
        "HUB_PLUGINS_AUTOLOAD": "0",
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
        "HUB_WATCHDOG_SECONDS": "0.5",
        "HUB_QUEUE": "alerts-test",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(controller.port),
    }
    worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert [m["To"] for m in inbox.messages] == ["worker@example.com"]


def test_the_smtp_password_never_reaches_the_logs(database_url, tmp_path, app, caplog):
    import logging

    make_app(database_url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PASSWORD="smtp-pass-9f8e7d6c5b")
    with caplog.at_level(logging.INFO):
        # A fresh logger: Alembic's logging set-up disables the loggers that exist when migrations run.
        logging.getLogger(f"hub.test.smtp.{id(caplog)}").warning(
            "login to SMTP with %s failed", "smtp-pass-9f8e7d6c5b"
        )
    assert "smtp-pass-9f8e7d6c5b" not in caplog.text and "login to SMTP with" in caplog.text
