"""Shared fixtures: an app per test on an isolated database (SQLite by default; DATABASE_URL picks)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from hub import create_app
from hub.extensions import db
from tests import toy_plugin

TEST_KEY = "kP3rj0i6Q4s0f1c4J6yQmNnQ2m6J3Jb7l6h1w1s3M0Y="  # a Fernet key for tests only


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'hub.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The test database, migrated once per session with the real migrations."""
    url = _database_url(tmp_path_factory)
    app = create_app(
        {
            "DATABASE_URL": url,
            "HUB_ENCRYPTION_KEYS": TEST_KEY,
            "SECRET_KEY": "t" * 32,
            "HUB_PLUGINS_AUTOLOAD": "0",
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")),
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        if not url.startswith("sqlite"):
            # A reused PostgreSQL starts from scratch (not by downgrading: 0004 is one-way by design).
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return url


def make_app(database_url: str, tmp_path: Path, **overrides):
    """An app on the shared test database, with the toy plugin and injected settings."""
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 16,
        "HUB_ENCRYPTION_KEYS": TEST_KEY,
        "WTF_CSRF_ENABLED": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BIGCOMMERCE_API_URL": "https://api.bigcommerce.test",
        "HUB_PLUGINS_AUTOLOAD": "0",
        **overrides,
    }
    plugins = overrides.pop("plugins", [("toy", toy_plugin)])
    config.pop("plugins", None)
    return create_app(config, plugins=plugins)


@pytest.fixture
def app(database_url, tmp_path):
    """A fresh app; every table is emptied after the test."""
    app = make_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token embedded in a rendered form."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that reads CSRF tokens from pages like a browser would."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def submit(self, url, data, *, page_url=None, **kw):
        page = self.client.get(page_url or url)
        assert page.status_code == 200, page.status_code
        return self.client.post(
            url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))}, **kw
        )

    def signup(self, email="merchant@example.com", password="correct horse battery"):
        resp = self.submit("/signup", {"email": email, "password": password, "confirm": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return resp

    def create_site(self, name="My store") -> int:
        resp = self.submit("/sites/new", {"name": name})
        assert resp.status_code == 302
        return int(resp.headers["Location"].rstrip("/").split("/")[-2])


@pytest.fixture
def browser(client):
    return Browser(client)


# ----- real services for sync tests ------------------------------------------------------------------

from claudery_bigcommerce.demo_store.testing import demo_store, demo_store_factory  # noqa: F401


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL when CI started a Redis, else a real redis-server started for this session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    from hub import embedded_redis

    server = embedded_redis.start(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture
def connected_site(database_url, tmp_path, redis_url, demo_store_factory):
    """A factory: (app, site_id, store) for a demo store started with ``options``, connected via the plugin."""
    from claudery_bigcommerce import plugin as bigcommerce_plugin

    from hub import credentials
    from hub.connection import record, test_credentials
    from hub.models import Site
    from hub.plugins import current_host
    from hub.views.auth import create_user

    made = []

    def factory(**options):
        store = demo_store_factory(**options)
        app = make_app(
            database_url,
            tmp_path,
            plugins=[("bigcommerce", bigcommerce_plugin)],
            BIGCOMMERCE_API_URL=store.base_url,
            REDIS_URL=redis_url,
            BIGCOMMERCE_BACKOFF_BASE="0.05",
            BIGCOMMERCE_BACKOFF_CAP="0.5",
        )
        made.append(app)
        with app.app_context():
            user = create_user(f"sync{len(made)}@example.com", "correct horse battery")
            site = Site(owner_id=user.id, name="Demo")
            db.session.add(site)
            host = current_host()
            credentials.save(
                host,
                site,
                "bigcommerce",
                {"store_hash": store.store_hash, "access_token": store.access_token},
            )
            record(site, test_credentials(host, "bigcommerce", credentials.stored(site)))
            db.session.commit()
            assert site.connection_status == "connected", site.last_test_message
            return app, site.id, store

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()
