"""Claudery Hub: connects a merchant's store to the Claudery shopping assistant."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import build_config
from hub import forking, redaction  # noqa: F401  (forking: fork safety of database connections)
from hub.extensions import csrf, db, login_manager, migrate

__version__ = "0.1.0"
MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def _templates_dir() -> Path:
    """The web templates: inside the installed package, or ``templates/`` of a source checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "templates"


TEMPLATES_DIR = _templates_dir()


def create_app(
    test_config: dict[str, Any] | None = None, plugins: Iterable[tuple[str, object]] = ()
) -> Flask:
    """Build the hub. ``test_config`` overrides settings; ``plugins`` registers extra plugin objects."""
    instance_path = os.environ.get("HUB_INSTANCE_PATH") or (test_config or {}).get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance_path and str(Path(instance_path).resolve()),
        template_folder=str(TEMPLATES_DIR),
    )
    # An operator overrides any page by putting a file of the same path in <instance>/templates/.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(Path(app.instance_path) / "templates")), FileSystemLoader(str(TEMPLATES_DIR))]
    )
    from hub import logging_setup
    from hub.security import files, headers, limits, passwords, public_url

    files.private_dir(Path(app.instance_path))
    app.config.update(build_config(Path(app.instance_path), test_config))
    files.private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    redaction.install()
    redaction.register(app.config["SMTP_PASSWORD"], app.config["HUB_METRICS_TOKEN"])
    logging_setup.configure(app.config["HUB_LOG_FORMAT"])
    logging.getLogger("hub").setLevel(logging.INFO)
    passwords.configure(
        app.config["HUB_PASSWORD_HASH_CONCURRENCY"], app.config["HUB_PASSWORD_HASH_WAIT_SECONDS"]
    )
    public_url.install(app)
    limits.install_converters(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"

    from hub import models  # noqa: F401  (registers the tables)
    from hub.plugins import host_from_config

    app.extensions["hub_plugins"] = host_from_config(app.config, plugins)

    from hub.views import auth, catalog, platform, plugins_page, sites, sync

    for blueprint in (sync.bp, catalog.bp):
        app.register_blueprint(blueprint)
    from hub.views import insights, search_settings
    from hub.views import widget as widget_views
    from hub.widget import api as widget_api

    for blueprint in (widget_views.bp, widget_api.bp, search_settings.bp, insights.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(auth.bp)
    app.register_blueprint(sites.bp)
    app.register_blueprint(platform.bp)
    app.register_blueprint(plugins_page.bp)
    from hub.ops import views as ops_views
    from hub.views import notifications

    app.register_blueprint(notifications.bp)

    app.register_blueprint(ops_views.bp)
    app.register_blueprint(ops_views.health_bp)
    from hub.webhooks import receive as webhook_receive
    from hub.webhooks import views as webhook_views

    app.register_blueprint(webhook_views.bp)
    app.register_blueprint(webhook_receive.bp)
    csrf.exempt(webhook_receive.bp)  # platforms post here; every delivery is authenticated instead
    _mount_plugin_routes(app)
    from hub.views import formatting

    formatting.register(app)

    @app.context_processor
    def site_tabs():
        return {"site_links": site_links}

    limits.install_error_pages(app)
    headers.install(app)
    app.jinja_env.filters["http_url"] = http_url

    return app


def _mount_plugin_routes(app: Flask) -> None:
    """Mount each plugin's blueprint (``register_routes`` hook) under ``/plugin/<name>/``.

    Plugin routes are called by platforms (OAuth callbacks, webhooks), not by a merchant's form, so CSRF
    protection is off for them; the plugin authenticates each request itself.
    """
    host = app.extensions["hub_plugins"]
    for name, blueprint in host.call_each("register_routes"):
        if blueprint is None:
            continue
        try:
            app.register_blueprint(blueprint, url_prefix=f"/plugin/{name}", name=f"plugin_{name}")
        except Exception:  # a broken plugin must not take the hub down
            logging.getLogger(__name__).exception("plugin %s: routes could not be mounted", name)
            continue
        csrf.exempt(blueprint)


def http_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL, else None: ``<img src>`` never gets ``javascript:`` or ``data:``."""
    text = (value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


def site_links(site) -> list[dict[str, str]]:
    """Extra tabs of a site's pages, from the blueprints that are registered (sync, products, widget)."""
    from flask import current_app, url_for

    tabs = [
        ("sync.page", "sync", "Product sync"),
        ("catalog.products", "products", "Products"),
        ("widget.settings", "widget", "Widget"),
        ("search_settings.preferences", "search", "Search preferences"),
        ("search_settings.assistant", "assistant", "Assistant"),
        ("insights.page", "insights", "Insights"),
    ]
    return [
        {"url": url_for(endpoint, site_id=site.id), "key": key, "label": label}
        for endpoint, key, label in tabs
        if endpoint in current_app.view_functions
    ]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web app read while a worker writes; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        # 16 KiB pages for a new database (SQLite ignores this for an existing one): a product's row and
        # payload (~10 KB of JSON) span fewer overflow pages, so a page of products is fewer reads and
        # writes (a 10,000-product sync wrote 160,000 4 KiB WAL frames); bench_ingest: ~10 % less CPU
        # inserting. It must precede WAL mode, which fixes the page size.
        cursor.execute("PRAGMA page_size=16384")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A checkpoint (WAL copied into the database, then fsync) every 4096 pages (16 MB), not SQLite's
        # 1000: a sync commits ~3 MB a page of products, so it checkpointed nearly every commit; measured
        # with bench_ingest, 10-15 % off inserting and ~20 % off an unchanged pass. Every connection gets
        # the same, so a web request is no likelier to run a checkpoint than before.
        cursor.execute("PRAGMA wal_autocheckpoint=4096")
        cursor.close()
