"""Live updates from the Shopify demo store: HMAC-signed deliveries over real HTTP, a real worker."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests
from claudery_shopify import plugin
from claudery_shopify.demo_store.testing import shopify_demo_store_factory  # noqa: F401 - fixture

from hub import connection, credentials
from hub.extensions import db
from hub.models import Site, WebhookBatch
from hub.plugins import current_host
from hub.views.auth import create_user
from hub.webhooks import lifecycle
from hub.widget.search import SearchOptions, search_products
from tests.conftest import make_app
from tests.sync_support import Worker, worker_env
from tests.webhook_support import LiveSite, start_live_site, wait_for

pytestmark = pytest.mark.slow

SUBSCRIPTIONS = "query { webhookSubscriptions(first: 50) { nodes { id topic uri } } }"


@pytest.fixture
def shopify_live(database_url, tmp_path, redis_url, shopify_demo_store_factory):  # noqa: F811
    """A factory of :class:`LiveSite` on a Shopify demo store connected with client credentials."""
    workers: list[Worker] = []
    stops: list = []
    apps = []

    def connected_site(**options):
        store = shopify_demo_store_factory(**options)
        app = make_app(
            database_url,
            tmp_path,
            plugins=[("shopify", plugin)],
            SHOPIFY_API_URL=store.base_url + "/shops/{shop}",
            REDIS_URL=redis_url,
        )
        apps.append(app)
        raw = {"shop": store.shop, "client_id": store.client_id, "client_secret": store.client_secret}
        with app.app_context():
            user = create_user(f"shopify-live{len(apps)}@example.com", "correct horse battery")
            site = Site(owner_id=user.id, name="Shopify demo")
            db.session.add(site)
            host = current_host()
            credentials.save(host, site, "shopify", plugin.normalize_credentials("shopify", raw))
            connection.record(site, connection.test_credentials(host, "shopify", credentials.stored(site)))
            db.session.commit()
            assert site.connection_status == "connected", site.last_test_message
            return app, site.id, store

    def worker_factory(app, queue, store, **extra):
        env = worker_env(app, redis_url, queue, HUB_PLUGINS="shopify",
                         SHOPIFY_API_URL=store.base_url + "/shops/{shop}", **extra)  # fmt: skip
        workers.append(Worker(env, tmp_path / f"worker{len(workers)}.log"))

    def factory(**options) -> LiveSite:
        return start_live_site(connected_site, worker_factory, stops, **options)

    yield factory
    for worker in workers:
        worker.stop()
    for stop in stops:
        stop()
    for app in apps:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()


def _subscriptions(live: LiveSite) -> list[dict]:
    """The app's subscriptions, asked through the plugin's own client (client-credentials token)."""
    from claudery_shopify.client import ShopifyClient

    from hub.connection import plugin_context

    with live.app.app_context():
        site = db.session.get(Site, live.site_id)
        client = ShopifyClient.from_context(
            credentials.stored(site), plugin_context(current_host(), "shopify")
        )
        try:
            return client.query(SUBSCRIPTIONS).data["webhookSubscriptions"]["nodes"]
        finally:
            client.close()


def _batches(live: LiveSite) -> list[WebhookBatch]:
    with live.app.app_context():
        rows = db.session.query(WebhookBatch).filter_by(site_id=live.site_id).all()
        db.session.expunge_all()
        return rows


def test_shopify_change_delete_forgery_and_resubscription(shopify_live):
    site = shopify_live(products=40, seed=4, worker_env={"HUB_WEBHOOK_CHECK_SECONDS": "1"})
    site.full_sync()
    runs_before = site.run_count()
    subs = _subscriptions(site)
    assert sorted(s["topic"] for s in subs) == ["PRODUCTS_CREATE", "PRODUCTS_DELETE", "PRODUCTS_UPDATE"]
    ids = site.store.admin.product_ids()
    gid = ids[5]
    site.store.admin.update_product(gid, title="Wombatshine Kettle")
    wait_for(lambda: (p := site.product(gid)) and p.name == "Wombatshine Kettle", what="change")
    with site.app.app_context():
        found = search_products(db.session, site.site_id, "wombatshine", SearchOptions())
        assert [p.platform_id for p, _ in found] == [gid]
    site.store.admin.delete_product(ids[6])
    wait_for(lambda: site.product(ids[6]).archived_at is not None, what="archive")
    assert site.run_count() == runs_before

    # Forged: a body signed with another key, or not signed, is refused and fetches nothing.
    applied = len(_batches(site))
    body = json.dumps({"id": int(ids[7].rsplit("/", 1)[1]), "updated_at": "2030-01-01T00:00:00Z"}).encode()
    for key in (b"not-the-app-secret", None):
        headers = {"X-Shopify-Topic": "products/update", "X-Shopify-Webhook-Id": str(uuid.uuid4())}
        if key is not None:
            mac = hmac.new(key, body, hashlib.sha256).digest()
            headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(mac).decode()
        resp = requests.post(site.url(), data=body, headers=headers, timeout=10)
        assert resp.status_code == 401 and resp.text == "invalid delivery\n"
    time.sleep(1.0)
    assert len(_batches(site)) == applied

    # Shopify deletes subscriptions whose deliveries keep failing: the periodic check re-creates them.
    from claudery_shopify import webhooks

    with site.app.app_context():
        webhooks.unregister(credentials.stored(db.session.get(Site, site.site_id)), site.url(),
                            connection.plugin_context(current_host(), "shopify"))  # fmt: skip
    assert _subscriptions(site) == []
    wait_for(lambda: len(_subscriptions(site)) == 3, timeout=30, what="re-subscription")
    assert site.endpoint().reactivations >= 1
    with site.app.app_context():
        lifecycle.unregister(db.session.get(Site, site.site_id))
    assert _subscriptions(site) == []
