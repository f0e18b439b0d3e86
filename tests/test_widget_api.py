"""The public widget API: configuration by key, search, CORS and origins, off answers, limits, assets."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.widget.ratelimit import RateLimiter
from tests.widget_support import add_catalog, make_site, product, widget_for

SHOP = "https://jar-linen.example"


@pytest.fixture
def widget(app):
    with app.app_context():
        site = make_site()
        add_catalog(
            site.id,
            [
                product(101, "Le Parfait Jar & Lid <b>1L</b>", sku="LPJ-1", price="12.50", sale_price="9.99",
                        url_path="/le-parfait-jar/", brand_ids=["1"],
                        description="<p>secret-internal-note? no: just a jar</p>"),
                product(102, "Hidden Jar", price="5.00", is_visible=False),
                product(103, "Sold-out Jar", price="7.00", in_stock=False, inventory_level=0),
            ],
            brands=[("1", "Le Parfait")],
        )  # fmt: skip
        settings = widget_for(site)
        yield settings


def _get(client, path, key, origin=SHOP, **params):
    headers = {"Origin": origin} if origin else {}
    return client.get(f"/widget/v1/{path}", query_string={"key": key, **params}, headers=headers)


def test_config_for_allowed_origin(client, widget):
    assert widget.allowed_origins == [SHOP]  # pre-filled from the connection test's store info
    resp = _get(client, "config", widget.site_key)
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in resp.headers["Vary"]
    assert "max-age=60" in resp.headers["Cache-Control"]
    data = resp.get_json()
    assert data["enabled"] is True and data["store"] == "Jar & Linen" and data["currency"] == "EUR"
    assert set(data) == {
        "enabled",
        "position",
        "accent",
        "greeting",
        "language",
        "results",
        "store",
        "currency",
        "assistant",
    }
    assert data["assistant"] == {
        "name": "Assistant",
        "starters": [],
        "languages": ["en"],
    }  # the defaults, nothing private


def test_search_returns_public_product_data_only(client, widget):
    resp = _get(client, "search", widget.site_key, q="jars")
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == SHOP
    results = resp.get_json()["results"]
    assert [r["id"] for r in results] == ["101", "103"]  # in stock first; hidden excluded; sold-out marked
    first = results[0]
    assert first == {
        "id": "101",
        "name": "Le Parfait Jar & Lid <b>1L</b>",  # entities decoded; the widget writes it as text
        "brand": "Le Parfait",
        "price": "12.50",
        "sale_price": "9.99",
        "currency": "EUR",
        "image": None,
        "url": None,  # the toy platform builds no storefront links
        "in_stock": True,
    }
    assert results[1]["in_stock"] is False
    body = resp.get_data(as_text=True)
    assert "secret-internal-note" not in body and "site_id" not in body and "credentials" not in body


def test_search_respects_settings(client, widget, app):
    with app.app_context():
        w = db.session.merge(widget)
        w.include_hidden, w.include_out_of_stock, w.results_per_answer = True, False, 1
        db.session.commit()
    results = _get(client, "search", widget.site_key, q="jar").get_json()["results"]
    assert len(results) == 1 and results[0]["id"] != "103"
    assert {r["id"] for r in _get(client, "search", widget.site_key, q="hidden").get_json()["results"]} == {
        "102"
    }


def test_other_origin_gets_nothing(client, widget):
    resp = _get(client, "search", widget.site_key, origin="https://evil.example", q="jar")
    assert resp.status_code == 403
    assert "Access-Control-Allow-Origin" not in resp.headers  # the browser hands the page nothing
    resp = _get(client, "config", widget.site_key, origin="https://evil.example")
    assert resp.get_json() == {"enabled": False, "reason": "origin_not_allowed"}
    # Origins compare exactly: scheme and port matter, a subdomain is another origin.
    for origin in (
        "http://jar-linen.example",
        "https://jar-linen.example:8443",
        "https://x.jar-linen.example",
    ):
        assert _get(client, "search", widget.site_key, origin=origin, q="jar").status_code == 403


def test_preflight(client, widget):
    resp = client.options(f"/widget/v1/search?key={widget.site_key}", headers={"Origin": SHOP})
    assert resp.status_code == 204 and resp.headers["Access-Control-Allow-Origin"] == SHOP
    resp = client.options(
        f"/widget/v1/search?key={widget.site_key}", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in resp.headers


@pytest.mark.parametrize("path", ["config", "search"])
def test_unknown_key_and_disabled_widget_get_a_cacheable_off(client, widget, app, path):
    resp = _get(client, path, "cw_pub_nope", q="jar")
    assert resp.status_code == 200 and resp.get_json() == {"enabled": False}
    assert "public" in resp.headers["Cache-Control"] and "max-age=300" in resp.headers["Cache-Control"]
    with app.app_context():
        db.session.merge(widget).enabled = False
        db.session.commit()
    resp = _get(client, path, widget.site_key, q="jar")
    assert resp.status_code == 200 and resp.get_json() == {"enabled": False}


def test_rotation_invalidates_the_old_key(client, widget, app):
    old = widget.site_key
    with app.app_context():
        new = db.session.merge(widget).rotate_key()
        db.session.commit()
    assert new != old and new.startswith("cw_pub_")
    assert _get(client, "config", old).get_json() == {"enabled": False}
    assert _get(client, "config", new).get_json()["enabled"] is True


def test_rate_limit_per_key_and_client(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, WIDGET_RATE_LIMIT_PER_CLIENT=3, REDIS_URL="")
    client = app.test_client()
    with app.app_context():
        site = make_site("limits@example.com")
        key = widget_for(site).site_key
    try:
        codes = [_get(client, "search", key, q="jar").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = _get(client, "search", key, q="jar")
        assert limited.headers["Access-Control-Allow-Origin"] == SHOP  # the widget can say "wait"
        assert int(limited.headers["Retry-After"]) >= 1
        # Another client is counted apart.
        other = client.get(f"/widget/v1/search?key={key}&q=jar", environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert other.status_code == 200
    finally:
        with app.app_context():
            db.session.delete(db.session.merge(site))
            from hub.models import User

            db.session.execute(db.delete(User).where(User.email == "limits@example.com"))
            db.session.commit()
            db.engine.dispose()


def test_rate_limiter_windows_and_redis(redis_url):
    limiter = RateLimiter(per_client=2, per_key=3, window=60)
    now = 1_000_000.0 - (1_000_000.0 % 60)
    assert [limiter.check("k", "a", now).allowed for _ in range(3)] == [True, True, False]
    assert limiter.check("k", "b", now).allowed is True  # a's refused hit was not counted for the key
    assert limiter.check("k", "c", now).allowed is False  # the key's total (3) is spent
    assert limiter.check("k", "a", now + 60).allowed is True  # a new window
    shared = [RateLimiter(per_client=2, per_key=100, window=60, redis_url=redis_url) for _ in range(2)]
    key = f"redis-test-{now}"
    assert [lim.check(key, "c", now).allowed for lim in (*shared, *shared)] == [True, True, False, False]
    down = RateLimiter(per_client=1, per_key=10, window=60, redis_url="redis://127.0.0.1:1/0")
    assert [down.check("k", "a", now).allowed for _ in range(2)] == [True, False]  # falls back to memory


def test_script_and_stylesheet_are_versioned_and_cacheable(client):
    js = client.get("/widget/v1/claudery.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
    assert "max-age=3600" in js.headers["Cache-Control"] and js.headers["ETag"]
    body = js.get_data(as_text=True)
    for forbidden in ("eval(", "innerHTML", "new Function", 'setAttribute("style"', "<style"):
        assert forbidden not in body
    assert len(body) < 20_000
    again = client.get("/widget/v1/claudery.js", headers={"If-None-Match": js.headers["ETag"]})
    assert again.status_code == 304
    css = client.get("/widget/v1/claudery.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and ":host" in css.get_data(as_text=True)
