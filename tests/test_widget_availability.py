"""Point 1 of issue 13: one client flooding a store's widget must not switch it off for other shoppers."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.security.counters import MemoryCounter, client_id
from hub.widget.ratelimit import UNKNOWN_KEY, RateLimiter
from tests.conftest import make_app
from tests.widget_support import add_catalog, make_site, product, widget_for

SHOP = "https://jar-linen.example"


@pytest.fixture
def limited_app(database_url, tmp_path):
    """An app with small widget limits (5 per client, 20 per key, per day) and in-memory counters."""
    app = make_app(
        database_url,
        tmp_path,
        WIDGET_RATE_LIMIT_PER_CLIENT=5,
        WIDGET_RATE_LIMIT_PER_KEY=20,
        # fixed windows start on the clock: a day-long one, so a flood of 200 requests on a slow machine
        # does not straddle a window's end (with 60 s it did now and then, and the counts started over)
        WIDGET_RATE_LIMIT_WINDOW=86400,
        REDIS_URL="",
    )
    with app.app_context():
        site = make_site("flood@example.com")
        add_catalog(site.id, [product(1, "Glass jar", price="3.00")])
        key = widget_for(site).site_key
    yield app, key
    with app.app_context():
        from sqlalchemy import text

        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(text(f'DELETE FROM "{table.name}"'))
        db.engine.dispose()


def _search(client, key, ip, method="GET"):
    return client.open(
        "/widget/v1/search",
        method=method,
        query_string={"key": key, "q": "jar"},
        headers={"Origin": SHOP},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_a_flooding_client_does_not_use_up_the_stores_budget(limited_app):
    app, key = limited_app
    client = app.test_client()
    flood = [_search(client, key, "203.0.113.66").status_code for _ in range(200)]
    assert flood[:5] == [200] * 5 and set(flood[5:]) == {429}
    # 200 requests from one client, 20 allowed per key: every other shopper is still served.
    for n in range(3):
        shopper = _search(client, key, f"198.51.100.{n}")
        assert shopper.status_code == 200 and shopper.get_json()["results"], n


def test_preflights_and_unknown_keys_are_counted(limited_app):
    app, key = limited_app
    client = app.test_client()
    pre = [_search(client, key, "203.0.113.7", method="OPTIONS").status_code for _ in range(7)]
    assert pre == [204] * 5 + [429] * 2
    unknown = [_search(client, f"cw_pub_random{n}", "203.0.113.8").status_code for n in range(8)]
    assert unknown[:5] == [200] * 5 and set(unknown[5:]) == {429}  # random keys share one bucket
    assert _search(client, key, "203.0.113.9").status_code == 200  # other clients unaffected


def test_refused_requests_do_not_count_against_the_key():
    limiter = RateLimiter(per_client=2, per_key=3, window=60)
    now = 1_000_020.0
    assert [limiter.check("k", "a", now).allowed for _ in range(50)] == [True, True] + [False] * 48
    assert limiter.check("k", "b", now).allowed is True  # the key counted only a's 2 allowed hits
    assert limiter.check("k", "c", now).allowed is False  # 3 + 1: now the key's total is spent
    assert limiter.check(UNKNOWN_KEY, "d", now).allowed is True  # no shared budget for unknown keys


def test_memory_counter_is_bounded_and_forgets_ended_windows():
    counter = MemoryCounter(max_keys=100)
    now = 6_000.0
    for n in range(10_000):
        counter.hit(f"client-{n}", 60, now)
    assert counter.size() <= 100 + 1024  # table + overflow buckets, whatever the number of clients
    assert counter.hit("client-5", 60, now) == 2  # counted clients keep exact counts
    assert counter.hit("late-client", 60, now) >= 2  # overflow: shares a bucket, still limited
    counter.hit("next-window", 60, now + 60)
    assert counter.size() == 1  # the ended window was dropped whole


def test_ipv6_clients_are_keyed_on_their_64_network():
    assert client_id("2001:db8:1:2::1") == client_id("2001:db8:1:2:ffff::9")
    assert client_id("2001:db8:1:3::1") != client_id("2001:db8:1:2::1")
    assert client_id("192.0.2.1") != client_id("192.0.2.2")
