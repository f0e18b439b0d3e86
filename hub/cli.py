"""The ``hub`` command line: a Flask CLI group (``hub run``, ``hub db upgrade``, ...) plus the hub's own
commands. Plugins add theirs through the ``register_commands`` hook."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from hub import create_app, credentials, encryption
from hub.connection import record, test_credentials
from hub.extensions import db
from hub.forms import SITE_NAME_MAX
from hub.models import Site, User
from hub.plugins import PlatformNotFound, current_host, host_from_config
from hub.security.limits import CLI_ID
from hub.webhooks import lifecycle


class HubGroup(FlaskGroup):
    """The root group: errors an operator can fix are a clear message and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        """Run the command; known failures (configuration, keys, input) become ``ClickException``."""
        from sqlalchemy.exc import OperationalError

        from config import ConfigError
        from hub.encryption import SecretsError
        from hub.security.passwords import HashingBusy

        try:
            return super().invoke(ctx)
        except (ConfigError, SecretsError, HashingBusy) as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            # The driver's text can carry the database URL; the class and the first line of the cause do not.
            cause = str(exc.orig).splitlines()[0][:200] if exc.orig is not None else type(exc).__name__
            raise click.ClickException(f"the database is unavailable or not migrated ({cause})") from None


@click.group(cls=HubGroup, create_app=lambda: create_app(), help="Claudery Hub.")
def cli() -> None:
    """Root group."""


# ----- users --------------------------------------------------------------------------------------


@cli.group()
def users() -> None:
    """Manage merchant accounts."""


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="An operator: sees the operations and plugins pages.")
@with_appcontext
def users_create(email: str, admin: bool) -> None:
    """Create an account. The password is read from stdin when it is not a terminal, else prompted."""
    from hub.views.auth import create_user

    try:
        user = create_user(email, _read_password(), admin=admin)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {'operator' if admin else 'user'} {user.id} <{user.email}>")


@users.command("promote")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Make the operator a merchant again.")
@with_appcontext
def users_promote(email: str, revoke: bool) -> None:
    """Give an account the operator (admin) role, or take it away with --revoke."""
    user = db.session.scalar(select(User).where(User.email == User.normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account {email!r}.")
    user.is_admin = not revoke
    user.end_sessions()  # the role change applies from the next log-in, on every device
    db.session.commit()
    click.echo(f"{user.email} is {'an operator' if user.is_admin else 'a merchant'} now.")


# ----- sites --------------------------------------------------------------------------------------


@cli.group()
def sites() -> None:
    """Manage sites and their connections."""


@sites.command("connect")
@click.option("--owner", required=True, help="Email of the merchant who owns the site.")
@click.option("--platform", "platform", required=True, help="Platform key, see `hub plugins list`.")
@click.option("--name", required=True, help="The site's name.")
@click.option("--no-test", is_flag=True, help="Save without testing the connection.")
@with_appcontext
def sites_connect(owner: str, platform: str, name: str, no_test: bool) -> None:
    """Create a site with credentials read as a JSON object on stdin (never from argv).

    Keys are the platform schema's field names; values are normalized and validated exactly as the
    web form does. Prints the new site id as the last line.
    """
    name = name.strip()
    if not name or len(name) > SITE_NAME_MAX:
        raise click.ClickException(f"--name must have 1 to {SITE_NAME_MAX} characters.")
    host = current_host()
    try:
        host.platform(platform)
    except PlatformNotFound as exc:
        raise click.ClickException(
            f"{exc}. Installed: {', '.join(p.key for p in host.platforms())}"
        ) from None
    user = db.session.scalar(select(User).where(User.email == User.normalize_email(owner)))
    if user is None:
        raise click.ClickException(f"No account {owner!r}; create it with `hub users create {owner}`.")
    try:
        data = json.loads(sys.stdin.read() or "null")
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"stdin is not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str | None) for v in data.values()):
        raise click.ClickException(
            'stdin must be a JSON object of strings, e.g. {"store_hash": "abc123", ...}'
        )
    try:
        cleaned = credentials.normalize(host, platform, data)
    except credentials.CredentialsInvalid as exc:
        for field, messages in exc.errors.items():
            click.echo(f"{field}: {' '.join(messages)}", err=True)
        raise click.ClickException("credentials are invalid") from None
    site = Site(owner_id=user.id, name=name)
    db.session.add(site)
    credentials.save(host, site, platform, cleaned)
    if not no_test:
        result = test_credentials(host, platform, cleaned)
        record(site, result)
        click.echo(("OK: " if result.ok else "FAILED: ") + result.message, err=True)
    db.session.commit()
    lifecycle.after_connect(site)
    click.echo(site.id)


@sites.command("test")
@click.argument("site_id", type=CLI_ID)
@with_appcontext
def sites_test(site_id: int) -> None:
    """Test a site's stored connection: prints the message; exit 0 when it works, 1 when not."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise click.ClickException(f"No site {site_id}.")
    host = current_host()
    if not host.has_platform(site.platform):
        raise click.ClickException(f"Site {site_id} has no installed platform ({site.platform!r}).")
    result = test_credentials(host, site.platform, credentials.stored(site))
    record(site, result)
    db.session.commit()
    lifecycle.after_connect(site)
    click.echo(result.message)
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    sys.exit(0 if result.ok else 1)


@sites.command("list")
@with_appcontext
def sites_list() -> None:
    """List every site with its owner and connection state."""
    for site in db.session.scalars(select(Site).order_by(Site.id)):
        click.echo(
            f"{site.id}\t{site.owner.email}\t{site.platform or '-'}\t{site.connection_status}\t{site.name}"
        )


# ----- plugins, keys ------------------------------------------------------------------------------


@cli.group()
def plugins() -> None:
    """Inspect plugins."""


@plugins.command("list")
@with_appcontext
def plugins_list() -> None:
    """List plugins, loaded and failed; exit 1 if any failed."""
    statuses = current_host().statuses()
    for s in statuses:
        state = "ok" if s.ok else f"FAILED: {s.error}"
        click.echo(f"{s.name}\t{s.platform or '-'}\t{s.version or ''}\t{state}")
    sys.exit(0 if all(s.ok for s in statuses) else 1)


@cli.group()
def keys() -> None:
    """Encryption keys for stored credentials."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new Fernet key for HUB_ENCRYPTION_KEYS."""
    click.echo(encryption.generate_key())


@keys.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-encrypt every site's secrets with the first (newest) key of HUB_ENCRYPTION_KEYS."""
    count = 0
    for site in db.session.scalars(select(Site).where(Site.credentials_secret.is_not(None))):
        site.credentials_secret = encryption.rotate(site.credentials_secret)
        count += 1
    db.session.commit()
    click.echo(f"Re-encrypted {count} site(s) with the newest key; older keys can now be removed.")


def _register_hub_commands() -> None:
    from hub.cli_sync import products_group, sync_group
    from hub.quickstart import quickstart_command
    from hub.worker import worker_command

    for command in (quickstart_command, worker_command, sync_group, products_group):
        cli.add_command(command)


def _register_plugin_commands() -> None:
    # The CLI is built before any app exists, so plugins are loaded once here for their commands.
    import os

    host_from_config(os.environ).call_all("register_commands", cli=cli)


def main() -> None:
    """Entry point of the ``hub`` console script."""
    _register_hub_commands()
    _register_plugin_commands()
    cli.main(prog_name="hub")


if __name__ == "__main__":
    main()


__all__ = ["cli", "current_app", "main"]
