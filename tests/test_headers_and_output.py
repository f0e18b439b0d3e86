"""Points 5 and 6 of issue 13: security headers; safe image and link URLs; private files; a calm CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from hub.contract import Image, PlatformInfo, hookimpl
from hub.extensions import db
from hub.security.headers import CSP
from tests import toy_plugin
from tests.conftest import TEST_KEY, make_app
from tests.widget_support import add_catalog, make_site, product, widget_for

TEMPLATES = Path(__file__).resolve().parent.parent / "hub" / "templates"
SHOP = "https://jar-linen.example"


def test_merchant_pages_get_a_strict_csp_and_no_store(browser):
    anonymous = browser.get("/login")
    assert anonymous.headers["Content-Security-Policy"] == CSP
    assert "frame-ancestors 'none'" in CSP and "'unsafe-inline'" not in CSP
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP
    assert "Strict-Transport-Security" not in anonymous.headers  # development: plain http works
    browser.signup()
    site_id = browser.create_site()
    for path in ("/", f"/sites/{site_id}", f"/sites/{site_id}/widget", f"/sites/{site_id}/products"):
        resp = browser.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["Cache-Control"] == "no-store", path
        assert resp.headers["Content-Security-Policy"] == CSP, path
        assert resp.headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for forbidden in ("<style", " style=", "javascript:", " onclick=", " onload=", " onchange="):
            assert forbidden not in text, (path, forbidden)
        for line in text.splitlines():
            if "<script" in line:
                assert " src=" in line, (path, line)  # external scripts only


def test_widget_endpoints_keep_their_own_cors_and_caching(app, client):
    with app.app_context():
        site = make_site()
        key = widget_for(site).site_key
    resp = client.get("/widget/v1/config", query_string={"key": key}, headers={"Origin": SHOP})
    assert resp.headers["Access-Control-Allow-Origin"] == SHOP
    assert "max-age=60" in resp.headers["Cache-Control"]
    assert "Content-Security-Policy" not in resp.headers and "X-Frame-Options" not in resp.headers
    script = client.get("/widget/v1/claudery.js")
    assert (
        script.headers["Access-Control-Allow-Origin"] == "*" and "public" in script.headers["Cache-Control"]
    )


def test_hsts_in_production(database_url, tmp_path):
    app = make_app(database_url, tmp_path, HUB_ENV="production")
    resp = app.test_client().get("/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_merchant_pages_show_only_http_images(app, browser):
    browser.signup()
    site_id = browser.create_site()
    with app.app_context():
        add_catalog(
            site_id,
            [
                product(1, "Safe jar", images=[Image(id="1", url="https://cdn.example/jar.png")]),
                product(2, "Script jar", images=[Image(id="2", url="javascript:alert(1)")]),
                product(3, "Data jar", images=[Image(id="3", url="data:image/svg+xml,<svg>")]),
            ],
        )
    html = browser.get(f"/sites/{site_id}/products").get_data(as_text=True)
    assert 'src="https://cdn.example/jar.png"' in html
    assert "javascript:alert" not in html and "data:image" not in html


class LinkPlugin:
    """A platform whose product links are whatever the product's url_path says (for the link filter)."""

    @hookimpl
    def platform_info(self):
        return PlatformInfo(
            key="linky", display_name="Linky", description="links as given", contract_version=2
        )

    @hookimpl
    def credential_schema(self, platform):
        return toy_plugin.ToyCredentials

    @hookimpl
    def normalize_credentials(self, platform, data):
        return toy_plugin.normalize_credentials(platform, data)

    @hookimpl
    def test_connection(self, platform, credentials, context):
        return toy_plugin.test_connection(platform, credentials, context)

    @hookimpl
    def fetch_products(self, platform, credentials, request, context):
        return iter(())

    @hookimpl
    def storefront_product_url(self, platform, store, product):
        return product.url_path


def test_widget_links_only_to_the_stores_own_domains(database_url, tmp_path):
    app = make_app(database_url, tmp_path, plugins=[("toy", toy_plugin), ("linky", LinkPlugin())])
    with app.app_context():
        site = make_site("links@example.com")
        site.platform = "linky"
        db.session.commit()
        paths = {
            1: "https://jar-linen.example/jar-1/",
            2: "https://www.jar-linen.example/jar-2/",
            3: "https://evil.example/jar-3/",
            4: "javascript:alert(1)",
            5: "https://jar-linen.example.evil.example/jar-5/",
        }
        shots = [Image(id="9", url="JavaScript:alert(1)")]
        add_catalog(
            site.id,
            [product(n, f"Jar {n}", url_path=url, price="1.00", images=shots) for n, url in paths.items()],
        )
        key = widget_for(site).site_key
    try:
        resp = app.test_client().get(
            "/widget/v1/search", query_string={"key": key, "q": "jar"}, headers={"Origin": SHOP}
        )
        links = {r["id"]: r["url"] for r in resp.get_json()["results"]}
        assert links == {"1": paths[1], "2": paths[2], "3": None, "4": None, "5": None}
        assert {r["image"] for r in resp.get_json()["results"]} == {None}  # no script URL as an image
    finally:
        with app.app_context():
            from sqlalchemy import text

            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(text(f'DELETE FROM "{table.name}"'))
            db.engine.dispose()


def test_sqlite_file_and_dev_secrets_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("HUB_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("HUB_PLUGINS_AUTOLOAD", "0")
    from hub import create_app

    app = create_app()
    with app.app_context():
        from sqlalchemy import text

        with db.engine.begin() as conn:  # SQLite creates its -wal and -shm files on the first write
            conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        db.engine.dispose()
    instance = tmp_path / "instance"
    for name in ("hub.sqlite3", "hub.sqlite3-wal", "hub.sqlite3-shm", "dev-secrets.json"):
        if name.endswith(("-wal", "-shm")) and not (instance / name).exists():
            continue  # checkpointed and removed on close
        mode = stat.S_IMODE((instance / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


@pytest.fixture
def run(app):
    from hub.cli import _register_hub_commands, cli

    _register_hub_commands()
    runner = CliRunner()

    def invoke(args, input=None, for_app=None):
        target = for_app or app
        return runner.invoke(cli, args, input=input, obj=ScriptInfo(create_app=lambda: target))

    return invoke


def test_cli_wrong_key_is_a_message_not_a_traceback(run, database_url, tmp_path):
    run(["users", "create", "op@example.com"], input="a long password\n")
    made = run(
        ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "Acme"],
        input=json.dumps({"shop": "acme", "api_key": toy_plugin.GOOD_KEY}),
    )
    site_id = made.stdout.strip().splitlines()[-1]
    from cryptography.fernet import Fernet

    other_key = Fernet.generate_key().decode()
    assert other_key != TEST_KEY
    wrong = make_app(database_url, tmp_path, HUB_ENCRYPTION_KEYS=other_key)
    result = run(["sites", "test", site_id], for_app=wrong)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sites", "test", "99999999999999999999"], "not in the range"),
        (["sites", "test", "--", "-3"], "not in the range"),
        (
            ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "x" * 201],
            "--name",
        ),
        (["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "   "], "--name"),
        (["sync", "status", "99999999999999999999"], "not in the range"),
    ],
)
def test_cli_bad_input_is_a_message(run, args, message):
    run(["users", "create", "op@example.com"], input="a long password\n")
    result = run(args, input="{}")
    assert result.exit_code != 0 and message in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_cli_admin_role(run, app):
    assert run(["users", "create", "--admin", "ops@example.com"], input="a long password\n").exit_code == 0
    assert run(["users", "create", "shop@example.com"], input="a long password\n").exit_code == 0
    assert run(["users", "promote", "shop@example.com"]).exit_code == 0
    assert run(["users", "promote", "--revoke", "ops@example.com"]).exit_code == 0
    assert run(["users", "promote", "ghost@example.com"]).exit_code == 1
    with app.app_context():
        from hub.models import User

        roles = {u.email: u.is_admin for u in db.session.scalars(db.select(User))}
    assert roles == {"ops@example.com": False, "shop@example.com": True}
