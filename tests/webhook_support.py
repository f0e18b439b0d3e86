"""Real parts for live-update tests: the hub served over HTTP (platforms deliver to it) plus a worker."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from werkzeug.serving import make_server

from hub.extensions import db
from hub.models import Product, RunKind, Site, SyncRun, WebhookEndpoint
from hub.sync import runs
from tests.sync_support import unique_queue, wait_run


@dataclass
class LiveSite:
    """A connected demo-store site whose hub listens on ``public_url`` and has a worker."""

    app: object
    site_id: int
    store: object
    public_url: str

    def endpoint(self) -> WebhookEndpoint:
        """The site's endpoint row, detached."""
        with self.app.app_context():
            endpoint = db.session.query(WebhookEndpoint).filter_by(site_id=self.site_id).one()
            db.session.expunge(endpoint)
            return endpoint

    def url(self) -> str:
        """The receiving URL."""
        return f"{self.public_url}/webhooks/{self.endpoint().token}"

    def product(self, platform_id) -> Product | None:
        """The stored product, detached."""
        with self.app.app_context():
            product = (
                db.session.query(Product)
                .filter_by(site_id=self.site_id, platform_id=str(platform_id))
                .first()
            )
            if product is not None:
                db.session.expunge(product)
            return product

    def run_count(self) -> int:
        """Sync runs of the site."""
        with self.app.app_context():
            return db.session.query(SyncRun).filter_by(site_id=self.site_id).count()

    def full_sync(self) -> None:
        """A full sync through the worker (the starting point: the hub holds the catalog)."""
        with self.app.app_context():
            run, _ = runs.start_run(db.session.get(Site, self.site_id), RunKind.FULL)
            run_id = run.id
        assert wait_run(self.app, run_id).state == "succeeded"


def wait_for(condition, timeout: float = 60.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``condition()`` until it returns a truthy value; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(interval)


def serve(app) -> tuple[str, callable]:
    """Serve ``app`` on a free local port in a thread; returns (origin, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="hub-http")
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(10)

    return f"http://127.0.0.1:{server.server_port}", stop


def start_live_site(
    connected_site, worker_factory, stops: list, *, worker_env=None, **store_options
) -> LiveSite:
    """Demo store + connected site + the hub over HTTP + a worker; webhooks registered as on connect."""
    from hub.webhooks import lifecycle

    app, site_id, store = connected_site(**store_options)
    queue = unique_queue()
    app.config["HUB_QUEUE"] = queue
    public, stop = serve(app)
    stops.append(stop)
    app.config["HUB_PUBLIC_URL"] = public
    worker_factory(app, queue, store, HUB_PUBLIC_URL=public, **(worker_env or {}))
    live = LiveSite(app, site_id, store, public)
    with app.app_context():
        lifecycle.after_connect(db.session.get(Site, site_id))  # what Save & test does on success
    wait_for(lambda: live_state(live) == "active", what="webhooks registered by the worker")
    return live


def live_state(live: LiveSite) -> str | None:
    """The endpoint's state, or None before it exists."""
    with live.app.app_context():
        endpoint = db.session.query(WebhookEndpoint).filter_by(site_id=live.site_id).one_or_none()
        return endpoint.state if endpoint else None
