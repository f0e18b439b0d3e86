"""Point 4 of issue 13: request limits and no 500s (body size, ids, pages, origins, Unicode domains)."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.widget.settings import OriginError, normalize_origin
from tests.widget_support import add_catalog, product

WIDGET_FORM = {
    "position": "bottom-left",
    "accent_color": "#ff6600",
    "greeting": "Hello",
    "language": "en",
    "results_per_answer": "5",
}


def test_a_128_mb_body_is_refused_before_it_is_read(app):
    """Over a real socket: the hub answers 413 after the headers, without waiting for 128 MB."""
    import socket
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(
                b"POST /login HTTP/1.1\r\nHost: hub.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {128 * 1024 * 1024}\r\nConnection: close\r\n\r\n".encode()
                + b"email=a" * 1000
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        server.shutdown()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than the hub accepts" in answer


def test_a_body_just_over_the_limit_is_refused_and_one_under_is_read(client, browser):
    browser.signup()
    big = client.post("/sites/new", data={"name": "x" * (1024 * 1024 + 10)})
    assert big.status_code == 413
    ok = browser.submit("/sites/new", {"name": "fits"})
    assert ok.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/sites/99999999999999999999999999",
        "/sites/2147483648",
        "/sites/9223372036854775808/sync",
        "/sites/-1",
        "/sites/0",
        "/sites/abc",
        "/sites/1e5",
        "/sites/" + "9" * 5000 + "/products",
        "/sites/1/sync/runs/99999999999999999999/errors",
    ],
)
def test_huge_negative_and_non_numeric_ids_are_404(browser, path):
    browser.signup()
    browser.create_site()
    assert browser.get(path).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999999", "2147483648", "-5", "abc", "0", "1" * 500])
def test_any_page_number_shows_a_page(app, browser, page):
    browser.signup()
    site_id = browser.create_site()
    with app.app_context():
        add_catalog(site_id, [product(n, f"Jar {n:03}") for n in range(1, 4)])
    resp = browser.get(f"/sites/{site_id}/products?page={page}")
    assert resp.status_code == 200 and "Jar 001" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("https://[bad", "not a valid address"),
        ("https://shop\x00.example", "control characters"),
        ("null", "sandboxed pages"),
        ("https://" + "a" * 5000 + ".example", "too long"),
        ("https://" + "a" * 70 + ".example", "not a valid domain"),
        ("https://user:pw@shop.example", "user name or password"),
    ],
)
def test_bad_allowed_origins_are_refused_with_a_message(browser, origin, message):
    browser.signup()
    site_id = browser.create_site()
    resp = browser.submit(f"/sites/{site_id}/widget", {**WIDGET_FORM, "allowed_origins": origin})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    with pytest.raises(OriginError):
        normalize_origin(origin)


def test_unicode_domains_are_stored_as_browsers_send_them(app, browser):
    browser.signup()
    site_id = browser.create_site()
    resp = browser.submit(
        f"/sites/{site_id}/widget",
        {**WIDGET_FORM, "enabled": "y", "allowed_origins": "https://Bücher.Example"},
    )
    assert resp.status_code == 302
    with app.app_context():
        from hub.models import WidgetSettings

        widget = db.session.scalar(db.select(WidgetSettings).where(WidgetSettings.site_id == site_id))
        assert widget.allowed_origins == ["https://xn--bcher-kva.example"]
        key = widget.site_key
    # Chromium and Firefox send the punycode form in Origin.
    answer = app.test_client().get(
        "/widget/v1/config", query_string={"key": key}, headers={"Origin": "https://xn--bcher-kva.example"}
    )
    assert answer.get_json()["enabled"] is True


def test_an_unexpected_error_is_a_plain_500_page_without_a_trace(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path)
    app.testing = False  # as in production: exceptions are handled, not propagated

    def boom():
        raise RuntimeError("internal detail: token=abc123")

    app.add_url_rule("/boom", "boom", boom)
    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "Something went wrong" in body and "abc123" not in body and "Traceback" not in body
