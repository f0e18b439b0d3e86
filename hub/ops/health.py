"""Health checks for load balancers and orchestrators.

``/healthz``: the process answers (liveness; no dependency is touched, so a database outage does not get
every web process restarted). ``/readyz``: the database answers, Redis answers (when configured) and the
database schema is at the migrations' head (readiness: send traffic here).
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from hub.extensions import db


@dataclass(frozen=True)
class Check:
    """One dependency's state; ``detail`` never holds a URL or password."""

    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return Check("database", False, type(exc).__name__)
    return Check("database", True, db.engine.dialect.name)


def _migrations() -> Check:
    from hub import MIGRATIONS_DIR
    from hub.extensions import migrate

    config = migrate.get_config(MIGRATIONS_DIR)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    try:
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        return Check("migrations", False, type(exc).__name__)
    if current != heads:
        return Check(
            "migrations", False, f"database at {sorted(current)}, code at {sorted(heads)}: run hub db upgrade"
        )
    return Check("migrations", True, ",".join(sorted(heads)))


def _redis() -> Check:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return Check("redis", False, "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:
        return Check("redis", False, type(exc).__name__)
    return Check("redis", True, "ping")


def readiness() -> list[Check]:
    """Every dependency's check, in order."""
    return [_database(), _migrations(), _redis()]
