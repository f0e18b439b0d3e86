"""``hub quickstart``: the first run on embedded defaults.

Starts what is missing (a local Redis when ``REDIS_URL`` is unset, each platform's demo store, a
worker), creates a demo merchant with a site already connected to the demo store, then serves the
web app and prints its URL and the demo login.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

DEMO_EMAIL = "demo@claudery.local"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed on start; the quick start is for a local first look only


def _start_services(instance: Path, stack: list) -> None:
    from hub import embedded_redis
    from hub.plugins import host_from_config

    if not os.environ.get("REDIS_URL"):
        server = embedded_redis.start(instance / "redis", persist=True)
        stack.append(server.stop)
        os.environ["REDIS_URL"] = server.url
        click.echo(f"Redis (embedded):  {server.url}")
    host = host_from_config(os.environ)  # the same plugins, allow-list included, as the app will load
    for info in host.platforms():
        if not host.supports(info.key, "demo_store"):
            continue
        handle = host.call(info.key, "demo_store", settings=dict(os.environ))
        if handle is None:
            continue
        stack.append(handle.stop)
        os.environ.update({k: str(v) for k, v in handle.settings.items()})
        os.environ[f"HUB_DEMO_{info.key.upper()}"] = json.dumps(handle.credentials)
        click.echo(f"{info.display_name} demo store: {handle.base_url}")
        for key, value in handle.credentials.items():
            click.echo(f"    {key}: {value}")


def _ensure_demo_site() -> None:
    from hub import credentials
    from hub.connection import record, test_credentials
    from hub.extensions import db
    from hub.models import Site, User
    from hub.plugins import current_host
    from hub.views.auth import create_user

    user = db.session.scalar(select(User).where(User.email == DEMO_EMAIL)) or create_user(
        DEMO_EMAIL,
        DEMO_PASSWORD,
        check_strength=False,  # a local demo account, printed on start
    )
    host = current_host()
    for info in host.platforms():
        raw = os.environ.get(f"HUB_DEMO_{info.key.upper()}")
        if not raw:
            continue
        name = f"Demo {info.display_name} store"
        site = db.session.scalar(select(Site).where(Site.owner_id == user.id, Site.name == name))
        if site is None:
            site = Site(owner_id=user.id, name=name)
            db.session.add(site)
        credentials.save(host, site, info.key, json.loads(raw))
        record(site, test_credentials(host, info.key, credentials.stored(site)))
        db.session.commit()
        click.echo(f"Demo site #{site.id} '{name}': {site.last_test_message}")


@click.command("quickstart")
@click.option("--port", default=5000, show_default=True, help="Port of the web app.")
@click.option("--no-worker", is_flag=True, help="Do not start a background worker.")
@with_appcontext
def quickstart_command(port: int, no_worker: bool) -> None:
    """Run the hub with a local Redis, the demo store(s), a worker and a connected demo site."""
    from flask import current_app

    from hub import create_app
    from hub.cli import cli

    if current_app.config["HUB_ENV"] == "production":
        raise click.ClickException("quickstart is for a local first run; it refuses HUB_ENV=production.")
    instance = Path(current_app.instance_path)
    stack: list = []
    try:
        _start_services(instance, stack)
        app = create_app()  # again, now that the demo settings are in the environment
        with app.app_context():
            _ensure_demo_site()
        if not no_worker and "worker" in cli.commands:
            worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=os.environ.copy())
            stack.append(worker.terminate)
        click.echo("")
        click.echo(f"Claudery Hub:      http://127.0.0.1:{port}/")
        click.echo(f"Demo login:        {DEMO_EMAIL} / {DEMO_PASSWORD}")
        click.echo("Press Ctrl+C to stop.", err=True)
        # Flask's app.run() refuses to run inside a CLI command; werkzeug's server is the same thing.
        from werkzeug.serving import run_simple

        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    finally:
        for stop in reversed(stack):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                click.echo(f"while stopping: {exc}", err=True)
