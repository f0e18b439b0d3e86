"""Point 2 of issue 13: behind a reverse proxy, limits key on the real client and the snippet is public."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Browser, make_app
from tests.widget_support import make_site, widget_for

SHOP = "https://jar-linen.example"
PROXY = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy


@pytest.fixture(autouse=True)
def _clean_tables(app):
    """The ``app`` fixture empties every table after each test (these tests build their own apps)."""


def _snippet(app, **headers) -> str:
    b = Browser(app.test_client())
    b.client.environ_base.update(PROXY)
    b.signup()
    site_id = b.create_site()
    html = b.get(f"/sites/{site_id}/widget", headers=headers).get_data(as_text=True)
    return re.search(r"&lt;script src=&#34;([^&]+)&#34;", html).group(1)


def test_trusted_proxy_gives_the_public_scheme_and_host(database_url, tmp_path):
    app = make_app(database_url, tmp_path, HUB_TRUSTED_PROXIES=1)
    src = _snippet(app, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hub.example.com"})
    assert src == "https://hub.example.com/widget/v1/claudery.js"


def test_without_trusted_proxies_forwarded_headers_are_ignored(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    src = _snippet(app, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    assert src == "http://localhost/widget/v1/claudery.js"


def test_public_url_wins(database_url, tmp_path):
    app = make_app(
        database_url, tmp_path, HUB_TRUSTED_PROXIES=1, HUB_PUBLIC_URL="https://claudery-hub.example/"
    )
    src = _snippet(app, **{"X-Forwarded-Proto": "http", "X-Forwarded-Host": "internal:8000"})
    assert src == "https://claudery-hub.example/widget/v1/claudery.js"


def test_per_shopper_limits_key_on_the_forwarded_client(database_url, tmp_path):
    app = make_app(
        database_url, tmp_path, HUB_TRUSTED_PROXIES=1, WIDGET_RATE_LIMIT_PER_CLIENT=3, REDIS_URL=""
    )
    with app.app_context():
        key = widget_for(make_site("proxy@example.com")).site_key
    client = app.test_client()

    def search(shopper: str) -> int:
        return client.get(
            "/widget/v1/search",
            query_string={"key": key, "q": "jar"},
            headers={"Origin": SHOP, "X-Forwarded-For": shopper},
            environ_base=PROXY,
        ).status_code

    assert [search("203.0.113.5") for _ in range(5)] == [200, 200, 200, 429, 429]
    assert search("198.51.100.7") == 200  # another shopper behind the same proxy


def test_a_bad_public_url_is_refused_at_start(database_url, tmp_path):
    from config import ConfigError

    with pytest.raises(ConfigError, match="HUB_PUBLIC_URL"):
        make_app(database_url, tmp_path, HUB_PUBLIC_URL="hub.example.com/path")
