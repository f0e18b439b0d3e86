"""Claudery Hub's settings: the one place that names them, gives their defaults and types, and reads them.

Every setting is read from an environment variable of the same name, parsed to the type of its default,
and then read by the code as ``app.config[NAME]`` (never ``config.get(NAME, default)``: the default lives
here only). An unknown ``HUB_ENV`` refuses to start.

In development (``HUB_ENV`` unset or ``development``) missing secrets are generated once and kept in the
instance folder, so a first run needs nothing. Plugins read their own settings
(``<PLATFORM>_*`` keys, e.g. ``ACME_API_URL``) from this configuration and, failing that, from the environment (see
``hub.connection.plugin_context``). In production (``HUB_ENV=production``) the hub refuses to start
without a real ``SECRET_KEY`` and ``HUB_ENCRYPTION_KEYS``, and says how to make them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

DEV_SECRETS_FILE = "dev-secrets.json"
#: the values HUB_ENV may take; anything else refuses to start (a typo must not mean "development")
ENVIRONMENTS = ("development", "production")
INSECURE_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Defaults:
    """Settings that are not secrets; each may be overridden by the environment variable of its name."""

    HUB_ENV: str = "development"
    REDIS_URL: str = ""  # empty: the quick start runs an embedded Redis
    HUB_PLUGINS_AUTOLOAD: str = "1"  # "0" disables entry-point loading (tests register plugins by hand)
    HUB_PLUGINS: str = ""  # comma-separated allow-list of entry-point names; empty: all
    HUB_QUEUE: str = "hub"
    HUB_USER_AGENT: str = "ClauderyHub/0.1 (+https://claudery.example/hub)"
    HUB_HTTP_CONNECT_TIMEOUT: float = 5.0
    HUB_HTTP_READ_TIMEOUT: float = 30.0
    HUB_SYNC_STALE_SECONDS: float = 90.0  # no heartbeat for this long: the run is resumed elsewhere
    HUB_WATCHDOG_SECONDS: float = 15.0  # how often each worker looks for abandoned and due runs
    HUB_SYNC_HEARTBEAT_SECONDS: float = 5.0
    HUB_SYNC_SKEW_MARGIN_SECONDS: float = 300.0  # incremental overlap, for clock skew
    HUB_SYNC_JOB_TIMEOUT: float = 86400.0
    HUB_SYNC_MAX_ATTEMPTS: float = 4.0  # executions of a run hitting transient platform failures
    HUB_SYNC_RETRY_SECONDS: float = 60.0  # first retry delay; doubles each time
    HUB_SYNC_FETCH_PROCESS: bool = True  # a child process fetches and prepares pages while the worker stores
    WIDGET_RATE_LIMIT_PER_CLIENT: float = 60.0  # widget API requests per window per shopper
    WIDGET_RATE_LIMIT_PER_KEY: float = 3000.0  # ... and per site key
    WIDGET_RATE_LIMIT_WINDOW: float = 60.0  # seconds
    SEARCH_VOCABULARY_TTL: float = 300.0  # seconds a site's catalog vocabulary (typos, brands) is reused
    # --- security (issue 13) ---
    HUB_LOGIN_MAX_FAILURES: int = 5  # failed log-ins per account per window, then a lock until it ends
    HUB_LOGIN_MAX_FAILURES_PER_CLIENT: int = 20  # ... per client address (all accounts)
    HUB_LOGIN_WINDOW_SECONDS: int = 900
    HUB_PASSWORD_HASH_CONCURRENCY: int = 2  # Argon2 hashes at once per process (64 MiB each)
    HUB_PASSWORD_HASH_WAIT_SECONDS: float = 10.0  # then "try again" instead of queueing forever
    MAX_CONTENT_LENGTH: int = 1024 * 1024  # request bodies above this get 413
    MAX_FORM_MEMORY_SIZE: int = 512 * 1024
    HUB_TRUSTED_PROXIES: int = 0  # reverse proxies in front of the hub whose X-Forwarded-* are trusted
    HUB_PUBLIC_URL: str = ""  # e.g. https://hub.example.com: wins over the request's scheme and host
    HUB_HSTS_SECONDS: int = 31536000  # Strict-Transport-Security max-age in production
    HUB_LOG_FORMAT: str = "text"  # "json": one JSON object per log line
    HUB_METRICS_TOKEN: str = ""  # Bearer token Prometheus sends to /metrics; empty: admins only
    # --- live updates (webhooks) ---
    HUB_WEBHOOK_BATCH: int = 250  # changed products fetched per request (the platforms' by-id page size)
    HUB_WEBHOOK_QUIET_SECONDS: float = 0.3  # deliveries pausing this long end a burst: apply it
    HUB_WEBHOOK_MAX_WAIT_SECONDS: float = 0.6  # ... and a change waits at most this for its batch to fill,
    HUB_WEBHOOK_BURST_WAIT_SECONDS: float = 5.0  # ... or this long while a burst fills the batch that fast
    HUB_WEBHOOK_ORDER_MARGIN_SECONDS: float = 2.0  # events older than the stored product by more are skipped
    HUB_WEBHOOK_DEDUPE_SECONDS: int = 3 * 86400  # a delivery id seen within this is a retry or a replay
    HUB_WEBHOOK_FLAG_SECONDS: int = 120  # a flush job that died is replaced after this
    HUB_WEBHOOK_CHECK_SECONDS: float = 900.0  # how often each site's hooks are checked (and re-created)
    HUB_WEBHOOK_SLOW_MS: float = 100.0  # accepting a delivery slower than this is logged
    # --- alert emails ---
    SMTP_HOST: str = ""  # empty: no alert emails
    SMTP_PORT: int = 25
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: str = ""
    SMTP_SECURITY: str = "none"  # none, starttls or ssl
    SMTP_FROM: str = "Claudery Hub <hub@localhost>"
    SMTP_TIMEOUT: float = 10.0
    HUB_ALERT_USAGE_FACTOR: float = 5.0  # a day's API requests this many times the usual day is unusual
    HUB_ALERT_USAGE_MIN_REQUESTS: int = 1000  # ... and at least this many (small sites vary a lot)
    HUB_ALERT_RATE_LIMIT_WAIT_SECONDS: float = 600.0  # a day spending this long waiting on 429s


def _env(name: str, default: Any) -> Any:
    """The environment's value of ``name`` parsed to the type of ``default``; ``default`` when unset."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            raise ConfigError(f"{name} must be 1 or 0 (true or false), got {raw!r}")
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int | float):
        try:
            return type(default)(raw)
        except ValueError as exc:
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise ConfigError(f"{name} must be {kind}, got {raw!r}") from exc
    return raw


def _dev_secrets(instance_path: Path) -> dict[str, str]:
    """Load, or create once, the development SECRET_KEY and encryption key in the instance folder."""
    path = instance_path / DEV_SECRETS_FILE
    if path.exists():
        return json.loads(path.read_text())
    values = {"SECRET_KEY": secrets.token_urlsafe(32), "HUB_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(values, fh)
    return values


def parse_encryption_keys(raw: str) -> list[str]:
    """Split ``HUB_ENCRYPTION_KEYS`` (newest first) and check each is a Fernet key."""
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"HUB_ENCRYPTION_KEYS entry #{index + 1} is not a Fernet key (32 url-safe base64 bytes). "
                "Generate one with: hub keys generate"
            ) from exc
    return keys


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the app's configuration: defaults < environment < ``overrides`` (tests inject here)."""
    overrides = dict(overrides or {})
    cfg: dict[str, Any] = {
        name: _env(name, getattr(Defaults, name)) for name in Defaults.__dataclass_fields__
    }
    cfg["SECRET_KEY"] = os.environ.get("SECRET_KEY", "")
    cfg["HUB_ENCRYPTION_KEYS"] = os.environ.get("HUB_ENCRYPTION_KEYS", "")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'hub.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalize_database_url(database_url)
    cfg.update(overrides)
    if "DATABASE_URL" in overrides:
        cfg["SQLALCHEMY_DATABASE_URI"] = _normalize_database_url(overrides["DATABASE_URL"])

    if cfg["HUB_ENV"] not in ENVIRONMENTS:
        raise ConfigError(
            f"HUB_ENV={cfg['HUB_ENV']!r} is not one of {', '.join(ENVIRONMENTS)}. Unset it for development."
        )
    production = cfg["HUB_ENV"] == "production"
    if production:
        if cfg["SECRET_KEY"] in INSECURE_SECRET_KEYS or len(cfg["SECRET_KEY"]) < 16:
            raise ConfigError(
                "HUB_ENV=production needs a SECRET_KEY of at least 16 random characters. Generate one with: "
                'python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        if not cfg["HUB_ENCRYPTION_KEYS"]:
            raise ConfigError(
                "HUB_ENV=production needs HUB_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first) "
                "to encrypt stored credentials. Generate one with: hub keys generate"
            )
    elif not cfg["SECRET_KEY"] or not cfg["HUB_ENCRYPTION_KEYS"]:
        dev = _dev_secrets(instance_path)
        cfg["SECRET_KEY"] = cfg["SECRET_KEY"] or dev["SECRET_KEY"]
        cfg["HUB_ENCRYPTION_KEYS"] = cfg["HUB_ENCRYPTION_KEYS"] or dev["HUB_ENCRYPTION_KEYS"]
    _check_choices(cfg)
    cfg["HUB_ENCRYPTION_KEY_LIST"] = parse_encryption_keys(cfg["HUB_ENCRYPTION_KEYS"])
    if not cfg["HUB_ENCRYPTION_KEY_LIST"]:
        raise ConfigError("HUB_ENCRYPTION_KEYS is empty. Generate a key with: hub keys generate")
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(cfg["SQLALCHEMY_DATABASE_URI"]))
    cfg.setdefault("SESSION_COOKIE_HTTPONLY", True)
    cfg.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    cfg.setdefault("SESSION_COOKIE_SECURE", production)
    cfg.setdefault("REMEMBER_COOKIE_SECURE", production)
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)
    return cfg


def _check_choices(cfg: dict[str, Any]) -> None:
    """Refuse settings with a value the hub would misread (a typo must not silently weaken anything)."""
    from urllib.parse import urlsplit

    public = str(cfg.get("HUB_PUBLIC_URL") or "").rstrip("/")
    if public:
        parts = urlsplit(public)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ConfigError(
                f"HUB_PUBLIC_URL must be the hub's public origin, e.g. https://hub.example.com, got {public!r}"
            )
    cfg["HUB_PUBLIC_URL"] = public
    for name, choices in (
        ("SMTP_SECURITY", ("none", "starttls", "ssl")),
        ("HUB_LOG_FORMAT", ("text", "json")),
    ):
        if cfg.get(name) not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {cfg.get(name)!r}")
    if int(cfg.get("HUB_TRUSTED_PROXIES") or 0) < 0:
        raise ConfigError("HUB_TRUSTED_PROXIES must be 0 or the number of proxies in front of the hub")


def _normalize_database_url(url: str) -> str:
    # Operators paste Heroku-style URLs; SQLAlchemy 2 wants an explicit driver for psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Web and worker processes share the file: wait on locks instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
