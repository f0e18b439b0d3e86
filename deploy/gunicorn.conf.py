"""gunicorn settings for the hub's web processes: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment (``GUNICORN_*`` below, or gunicorn's own
``GUNICORN_CMD_ARGS``). Threads, not more processes: requests mostly wait on the database, and the
hub bounds password hashing per process (``HUB_PASSWORD_HASH_CONCURRENCY``), so memory stays
``workers x (base + concurrency x 64 MiB)`` whatever the traffic.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a request stuck this long gets its worker restarted
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))  # recycle workers: no slow leaks
max_requests_jitter = 200
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
# X-Forwarded-* are handled by the app (HUB_TRUSTED_PROXIES), not by gunicorn.
forwarded_allow_ips = ""

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server) -> None:
    """Start with an empty metrics directory: files of a previous run would be summed in."""
    if _metrics_dir:
        path = Path(_metrics_dir)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    """Let prometheus_client drop the live gauges of a worker that exited."""
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
