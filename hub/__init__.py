"""Claudery Hub: connects a merchant's store to the Claudery shopping assistant."""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import build_config
from hub import redaction
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
    app.config.update(build_config(Path(app.instance_path), test_config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    redaction.install()
    logging.getLogger("hub").setLevel(logging.INFO)

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
    from hub.views import widget as widget_views
    from hub.widget import api as widget_api

    for blueprint in (widget_views.bp, widget_api.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(auth.bp)
    app.register_blueprint(sites.bp)
    app.register_blueprint(platform.bp)
    app.register_blueprint(plugins_page.bp)

    # Platforms send names with HTML entities as text ("Tea &amp; Coffee"); show them as shoppers see them.
    app.jinja_env.filters["entities"] = html.unescape
    from hub.views import formatting

    formatting.register(app)

    @app.context_processor
    def site_tabs():
        return {"site_links": site_links}

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("error.html", title="Not found", message="There is nothing here."), 404

    @app.errorhandler(400)
    def bad_request(exc):
        return render_template("error.html", title="Bad request", message=exc.description), 400

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


def site_links(site) -> list[dict[str, str]]:
    """Extra tabs of a site's pages, from the blueprints that are registered (sync, products, widget)."""
    from flask import current_app, url_for

    tabs = [
        ("sync.page", "sync", "Product sync"),
        ("catalog.products", "products", "Products"),
        ("widget.settings", "widget", "Widget"),
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
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
