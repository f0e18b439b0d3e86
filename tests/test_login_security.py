"""Point 3 of issue 13: log-in throttling, equal timing, bounded hashing, password policy, real log-out."""

from __future__ import annotations

import threading
import time

import pytest

from hub.extensions import db
from hub.models import User
from hub.security import passwords
from hub.security.redirects import safe_next
from hub.views.auth import create_user
from tests.conftest import Browser, make_app

PASSWORD = "correct horse battery"


@pytest.fixture
def auth_app(database_url, tmp_path):
    """An app counting failures in memory (5 per account, 8 per client, 15-minute windows)."""
    app = make_app(
        database_url, tmp_path, REDIS_URL="", HUB_LOGIN_MAX_FAILURES=5, HUB_LOGIN_MAX_FAILURES_PER_CLIENT=8
    )
    yield app
    with app.app_context():
        db.session.remove()
        from sqlalchemy import text

        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f'DELETE FROM "{table.name}"'))
        db.engine.dispose()


def _login(browser: Browser, email: str, password: str, ip: str = "198.51.100.1", next_url: str = ""):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    browser.client.environ_base["REMOTE_ADDR"] = ip
    return browser.submit(url, {"email": email, "password": password})


def test_forty_wrong_logins_lock_the_account_without_telling_whether_it_exists(auth_app):
    with auth_app.app_context():
        create_user("known@example.com", PASSWORD)
    answers = {}
    for n, email in enumerate(("known@example.com", "nobody@example.com")):
        b = Browser(auth_app.test_client())
        # One client per attempt, so only the per-account lock is at work here.
        replies = [_login(b, email, "wrong password!", ip=f"203.0.{n}.{i}") for i in range(40)]
        answers[email] = [
            (r.status_code, "Too many failed log-ins" in r.get_data(as_text=True)) for r in replies
        ]
        assert all("Wrong email or password." in r.get_data(as_text=True) for r in replies[:5])
        assert int(replies[-1].headers["Retry-After"]) > 0
    assert answers["known@example.com"] == [(200, False)] * 5 + [(429, True)] * 35
    assert answers["nobody@example.com"] == answers["known@example.com"]  # no enumeration
    # While locked, even the right password is refused (no hash is computed at all).
    locked = _login(Browser(auth_app.test_client()), "known@example.com", PASSWORD, ip="192.0.2.200")
    assert locked.status_code == 429


def test_one_client_guessing_many_accounts_is_locked_out_others_are_not(auth_app):
    with auth_app.app_context():
        create_user("victim@example.com", PASSWORD)
    guesser = Browser(auth_app.test_client())
    codes = [
        _login(guesser, f"user{i}@example.com", "wrong password!", ip="203.0.113.9").status_code
        for i in range(10)
    ]
    assert codes == [200] * 8 + [429] * 2
    assert _login(guesser, "victim@example.com", PASSWORD, ip="203.0.113.9").status_code == 429
    other = _login(Browser(auth_app.test_client()), "victim@example.com", PASSWORD, ip="192.0.2.1")
    assert other.status_code == 302


def test_unknown_email_costs_as_much_time_as_a_wrong_password(auth_app):
    with auth_app.app_context():
        user = create_user("timing@example.com", PASSWORD)

        def best_of_three(fn) -> float:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            return min(times)

        known = best_of_three(lambda: user.check_password("wrong password!"))
        unknown = best_of_three(lambda: passwords.verify_unknown("wrong password!"))
    # The same Argon2 work: without the dummy hash an unknown email answers ~100x faster.
    assert unknown > known * 0.4, (known, unknown)


def test_password_hashing_is_bounded_per_process():
    passwords.configure(concurrency=1, wait_seconds=0.0)
    try:
        stored = passwords.hash_password("some long password")
        barrier = threading.Barrier(6)
        outcomes: list[str] = []

        def attempt():
            barrier.wait()
            try:
                passwords.verify(stored, "wrong")
                outcomes.append("checked")
            except passwords.HashingBusy:
                outcomes.append("busy")

        threads = [threading.Thread(target=attempt) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert "checked" in outcomes and "busy" in outcomes, outcomes
    finally:
        passwords.configure(concurrency=2, wait_seconds=10.0)


def test_logout_invalidates_a_copied_session_cookie(auth_app):
    with auth_app.app_context():
        create_user("copy@example.com", PASSWORD)
    b = Browser(auth_app.test_client())
    assert _login(b, "copy@example.com", PASSWORD).status_code == 302
    stolen = b.client.get_cookie("session").value
    assert b.client.get("/").status_code == 200
    b.submit("/logout", {}, page_url="/")
    attacker = auth_app.test_client()
    attacker.set_cookie("session", stolen)
    resp = attacker.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("weak", ["password1234", "qwertyuiop", "copy@example.com1", "aaaaaaaaaaaa", "short"])
def test_common_and_guessable_passwords_are_refused(auth_app, weak):
    b = Browser(auth_app.test_client())
    resp = b.submit("/signup", {"email": "copy@example.com", "password": weak, "confirm": weak})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "stronger password" in html or "at least 10 characters" in html
    with auth_app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "copy@example.com")) is None
        with pytest.raises(passwords.WeakPassword):
            create_user("copy@example.com", weak)


def test_signup_probing_for_registered_emails_is_throttled(auth_app):
    with auth_app.app_context():
        create_user("taken@example.com", PASSWORD)
    b = Browser(auth_app.test_client())
    b.client.environ_base["REMOTE_ADDR"] = "203.0.113.50"
    codes = [
        b.submit(
            "/signup", {"email": "taken@example.com", "password": PASSWORD, "confirm": PASSWORD}
        ).status_code
        for _ in range(10)
    ]
    assert codes == [200] * 8 + [429] * 2


@pytest.mark.parametrize(
    "target",
    [
        "/\r\n/evil.example",
        "/%0d%0a//evil.example\r\n",
        "/\\evil.example",
        "//evil.example",
        "https://evil.example",
    ],
)
def test_next_never_leaves_the_hub(auth_app, target):
    assert safe_next(target, "/") == "/"
    with auth_app.app_context():
        create_user(f"next{abs(hash(target))}@example.com", PASSWORD)
    b = Browser(auth_app.test_client())
    resp = _login(b, f"next{abs(hash(target))}@example.com", PASSWORD, next_url=target)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_next_keeps_a_plain_path():
    assert safe_next("/sites/3/sync?x=1", "/") == "/sites/3/sync?x=1"
