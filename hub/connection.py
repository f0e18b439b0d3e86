"""Testing a site's connection and recording the outcome as its connection state."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import ChainMap
from typing import Any

from flask import current_app

from hub.contract import ConnectionResult, ErrorKind, PlatformError, PluginContext
from hub.extensions import db
from hub.models import ConnectionStatus, Site
from hub.models.base import utcnow
from hub.plugins import PluginHost

log = logging.getLogger(__name__)

UNEXPECTED = (
    "The connection test failed unexpectedly. Try again in a minute; if it keeps failing, contact "
    "support with the time of the attempt (the details are in the hub's log)."
)


def plugin_context(host: PluginHost, platform: str, **hooks: Any) -> PluginContext:
    """The context handed to ``platform``'s hooks: its own settings namespace and the host's callbacks.

    A plugin's settings (``<PREFIX>API_URL``, ...) are not known to the hub: injected configuration wins,
    then the environment; only keys with the plugin's prefix (and the general HTTP ones) are passed.
    ``hooks`` are ``should_stop``, ``save_credentials`` and ``record_usage`` when the caller has them.
    """
    cfg = current_app.config
    settings = host.settings_for(platform, ChainMap(cfg, os.environ))
    return PluginContext(settings=settings, user_agent=cfg["HUB_USER_AGENT"], **hooks)


def test_credentials(host: PluginHost, platform: str, credentials: dict[str, Any]) -> ConnectionResult:
    """Run the plugin's connection test; never raises, never returns a stack trace to the merchant."""
    try:
        context = plugin_context(host, platform)
        result = host.call(platform, "test_connection", credentials=credentials, context=context)
    except PlatformError as exc:
        return ConnectionResult(
            ok=False, message=exc.message, error_kind=exc.kind, retry_after=exc.retry_after
        )
    except Exception:
        log.exception("connection test for platform %s raised", platform)
        return ConnectionResult(ok=False, message=UNEXPECTED, error_kind=ErrorKind.UNKNOWN)
    if not isinstance(result, ConnectionResult):
        log.error("platform %s test_connection returned %r", platform, type(result).__name__)
        return ConnectionResult(ok=False, message=UNEXPECTED, error_kind=ErrorKind.UNKNOWN)
    return result


def record(site: Site, result: ConnectionResult) -> None:
    """Store a test outcome as the site's connection state (the caller commits)."""
    site.last_tested_at = utcnow()
    site.last_test_ok = result.ok
    site.last_test_message = result.message
    site.last_test_error_kind = result.error_kind.value if result.error_kind else None
    site.test_warnings = list(result.warnings)
    if result.ok:
        site.connection_status = ConnectionStatus.CONNECTED.value
        site.store_info = dataclasses.asdict(result.store) if result.store else {}
    else:
        site.connection_status = ConnectionStatus.NEEDS_ATTENTION.value


def mark_needs_attention(site: Site, kind: ErrorKind, message: str) -> None:
    """Flag a site whose credentials stopped working outside a test (e.g. a sync got 401)."""
    record(site, ConnectionResult(ok=False, message=message, error_kind=kind))
    db.session.commit()
