"""``hub quickstart``: the first run on embedded defaults.

Starts what is missing (a local Redis when ``REDIS_URL`` is unset, each platform's demo store, a
worker), creates a demo merchant with a site already connected to the demo store, then serves the
web app and prints its URL and the demo login.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

DEMO_EMAIL = "demo@claudery.local"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed on start; the quick start is for a local first look only
#: where a merchant's local test page usually runs (python -m http.server, webpack, Vite, Live Server)
LOCAL_ORIGINS = [
    f"http://{host}:{port}" for port in (8000, 8080, 3000, 5173, 5500) for host in ("localhost", "127.0.0.1")
]


def _start_services(instance: Path, stack: list) -> None:
    from hub import embedded_redis
    from hub.plugins import host_from_config

    if not os.environ.get("REDIS_URL"):
        server = embedded_redis.start(instance / "redis", persist=True)
        stack.append(("Redis", server.stop))
        os.environ["REDIS_URL"] = server.url
        click.echo(f"Redis (embedded):  {server.url}")
    host = host_from_config(os.environ)  # the same plugins, allow-list included, as the app will load
    for info in host.platforms():
        if not host.supports(info.key, "demo_store"):
            continue
        handle = host.call(info.key, "demo_store", settings=dict(os.environ))
        if handle is None:
            continue
        stack.append((f"{info.display_name} demo store", handle.stop))
        os.environ.update({k: str(v) for k, v in handle.settings.items()})
        os.environ[f"HUB_DEMO_{info.key.upper()}"] = json.dumps(handle.credentials)
        click.echo(f"{info.display_name} demo store: {handle.base_url}")
        for key, value in handle.credentials.items():
            click.echo(f"    {key}: {value}")


def _ensure_demo_site() -> None:
    from hub import credentials
    from hub.connection import record, test_credentials
    from hub.extensions import db
    from hub.models import Site, User, WidgetSettings
    from hub.plugins import current_host
    from hub.views.auth import create_user
    from hub.webhooks import lifecycle
    from hub.widget.settings import MAX_ORIGINS, settings_for

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
        if site.last_test_ok and lifecycle.supported(site) and lifecycle.configured():
            lifecycle.register(site)  # at once: the server is about to listen on HUB_PUBLIC_URL
        if db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_id == site.id)) is None:
            # A first try of the widget is a local test page: let the usual dev-server addresses load it.
            widget = settings_for(site)
            widget.allowed_origins = [*widget.allowed_origins, *LOCAL_ORIGINS][:MAX_ORIGINS]
            db.session.commit()
        click.echo(f"Demo site #{site.id} '{name}': {site.last_test_message}")


def _check_port(port: int) -> None:
    """Refuse early, before anything starts or prints, when the web port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise click.ClickException(
                f"Port {port} is already in use (another hub still running?). "
                f"Stop it, or pick another port: python3 dev.py run --port {port + 1}"
            ) from None


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the quick start like Ctrl+C does: through the clean-up, not around it."""

    def interrupt(signum, _frame):
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


def _stop_process(process: subprocess.Popen, grace: float = 30.0) -> None:
    """SIGTERM (the worker finishes its batch and requeues the run), then SIGKILL after ``grace``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@click.command("quickstart")
@click.option("--port", default=5000, show_default=True, help="Port of the web app.")
@click.option("--no-worker", is_flag=True, help="Do not start a background worker.")
@click.option("--verbose", is_flag=True, help="Log every request, job and migration (quiet by default).")
@with_appcontext
def quickstart_command(port: int, no_worker: bool, verbose: bool = False) -> None:
    """Run the hub with a local Redis, the demo store(s), a worker and a connected demo site."""
    from flask import current_app

    from hub import create_app
    from hub.cli import cli
    from hub.embedded_redis import die_with_parent

    if current_app.config["HUB_ENV"] == "production":
        raise click.ClickException("quickstart is for a local first run; it refuses HUB_ENV=production.")
    _check_port(port)
    _stop_on_signals()
    if not verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request (the pages poll)
    instance = Path(current_app.instance_path)
    stack: list[tuple[str, Callable[[], None]]] = []
    try:
        _start_services(instance, stack)
        # The demo stores deliver their webhooks to this machine: live updates work out of the box.
        os.environ.setdefault("HUB_PUBLIC_URL", f"http://127.0.0.1:{port}")
        app = create_app()  # again, now that the demo settings are in the environment
        with app.app_context():
            _ensure_demo_site()
        if not no_worker and "worker" in cli.commands:
            args = [sys.executable, "-m", "hub.cli", "worker", *([] if verbose else ["--quiet"])]
            # Its own session, so Ctrl+C reaches only this process, which stops the worker before Redis.
            worker = subprocess.Popen(
                args, env=os.environ.copy(), start_new_session=True, preexec_fn=die_with_parent
            )
            stack.append(("worker", lambda: _stop_process(worker)))
        click.echo("")
        click.echo(f"Claudery Hub:      http://127.0.0.1:{port}/")
        click.echo(f"Demo login:        {DEMO_EMAIL} / {DEMO_PASSWORD}")
        click.echo(
            "Press Ctrl+C to stop." + ("" if verbose else " (--verbose logs every request and job)"), err=True
        )
        # Flask's app.run() refuses to run inside a CLI command; werkzeug's server is the same thing.
        from werkzeug.serving import run_simple

        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    except KeyboardInterrupt:
        pass  # Ctrl+C, SIGTERM or SIGHUP: stop everything below, quietly
    finally:
        # A second signal (an impatient Ctrl+C, or a group-wide kill) must not cut the clean-up short.
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), signal.SIG_IGN)
        if stack:
            click.echo("Stopping: " + ", ".join(name for name, _ in reversed(stack)) + " ...", err=True)
        for name, stop in reversed(stack):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                click.echo(f"while stopping the {name}: {exc}", err=True)
