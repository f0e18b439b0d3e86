"""Prometheus metrics: in-process counters for what only the web process sees, plus figures read from
the database at scrape time (see ``hub.ops.collector``), so the sync engine needs no instrumentation.

Multiprocess-safe: under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by the
web processes (``prometheus_client`` then keeps the counters in files there and sums them on scrape).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client import multiprocess as prom_multiprocess

WIDGET_REQUESTS = Counter("hub_widget_requests", "Widget API requests answered", ["endpoint"])
WIDGET_REFUSED = Counter("hub_widget_refused", "Widget API requests refused by rate limits", ["endpoint"])
LOGIN_FAILURES = Counter("hub_login_failures", "Failed log-ins", ["reason"])


def widget_request(endpoint: str) -> None:
    """Count one widget API request that got an answer (search, config)."""
    WIDGET_REQUESTS.labels(endpoint=endpoint.rsplit(".", 1)[-1]).inc()


def widget_refused(endpoint: str) -> None:
    """Count one widget API request refused by a rate limit."""
    WIDGET_REFUSED.labels(endpoint=endpoint.rsplit(".", 1)[-1]).inc()


def login_failed(reason: str) -> None:
    """Count one failed log-in: ``wrong_password``, ``throttled`` or ``busy``."""
    LOGIN_FAILURES.labels(reason=reason).inc()


def render(database_collector) -> bytes:
    """The exposition text: this process's (or all processes') counters and the database's figures."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        prom_multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (WIDGET_REQUESTS, WIDGET_REFUSED, LOGIN_FAILURES):
            registry.register(collector)
    registry.register(database_collector)
    return generate_latest(registry)
