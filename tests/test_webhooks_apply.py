"""The hub's side of live updates with a platform of its own (no BigCommerce or Shopify code involved):
the receiving endpoint's refusals, ordering by modification time, deletions, batching policy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import Schema

from config import Defaults
from hub.contract import (
    Capability,
    ChangeEvent,
    ChangeKind,
    ConnectionResult,
    PlatformInfo,
    Product,
    ProductPage,
    WebhookRegistration,
    WebhookRejected,
    WebhookState,
    hookimpl,
)
from hub.extensions import db
from hub.models import Product as StoredProduct
from hub.models import Site, User, WebhookBatch
from hub.webhooks import apply, endpoints, pending
from hub.webhooks.apply import Change
from tests.conftest import make_app
from tests.sync_support import unique_queue

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class ClockPlatform:
    """A store whose products the test edits directly; deliveries carry the site's secret in a header."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}
        self.fetches: list[list[str]] = []

    @hookimpl
    def platform_info(self):
        return PlatformInfo(key="clock", display_name="Clock", contract_version=2,
                            capabilities=frozenset({Capability.WEBHOOKS, Capability.FETCH_BY_IDS}))  # fmt: skip

    @hookimpl
    def credential_schema(self, platform):
        return Schema

    @hookimpl
    def normalize_credentials(self, platform, data):
        return dict(data)

    @hookimpl
    def test_connection(self, platform, credentials, context):
        return ConnectionResult(ok=True, message="ok")

    @hookimpl
    def fetch_products(self, platform, credentials, request, context):
        return iter(())

    @hookimpl
    def fetch_products_by_ids(self, platform, credentials, ids, context):
        self.fetches.append(list(ids))
        found = [self.products[i] for i in ids if i in self.products]
        yield ProductPage(products=found, requests=1)

    @hookimpl
    def register_webhooks(self, platform, credentials, target_url, secret, context):
        return WebhookRegistration(WebhookState.ACTIVE, "ok", 1)

    @hookimpl
    def parse_webhook(self, platform, credentials, headers, body, secret):
        if headers.get("x-secret") != secret:
            raise WebhookRejected("wrong secret")
        data = json.loads(body)
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        return [ChangeEvent(data["id"], ChangeKind(data["kind"]), at, data["delivery"])]


@pytest.fixture
def clock(database_url, tmp_path, redis_url):
    platform = ClockPlatform()
    app = make_app(database_url, tmp_path, plugins=[("clock", platform)], REDIS_URL=redis_url,
                   HUB_QUEUE=unique_queue(), HUB_PUBLIC_URL="https://hub.example.com")  # fmt: skip
    with app.app_context():
        user = User(email="clock@example.com", password_hash="x")
        db.session.add(user)
        db.session.flush()
        site = Site(owner_id=user.id, name="Clock", platform="clock", connection_status="connected")
        db.session.add(site)
        db.session.commit()
        endpoints.for_site(site, create=True)
        db.session.commit()
        yield app, platform, site.id
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def _product(pid: str, name: str, modified: datetime) -> Product:
    return Product(id=pid, name=name, price="1.00", date_modified=modified)


def _stored(site_id: int, pid: str) -> StoredProduct:
    return db.session.query(StoredProduct).filter_by(site_id=site_id, platform_id=pid).one()


def _change(kind="upserted", at: datetime | None = None) -> Change:
    change = Change()
    change.merge({"id": "x", "kind": kind, "at": at.timestamp() if at else None, "t": 0.0})
    return change


def test_a_fetched_version_older_than_the_stored_one_is_not_written(clock):
    app, platform, site_id = clock
    with app.app_context():
        platform.products["1"] = _product("1", "Newer", T0)
        apply.apply(site_id, {"1": _change()})
        assert _stored(site_id, "1").name == "Newer"
        platform.products["1"] = _product("1", "Older", T0 - timedelta(minutes=1))  # a slow, stale read
        apply.apply(site_id, {"1": _change()})
        db.session.expire_all()
        assert _stored(site_id, "1").name == "Newer"
        assert [b.stale for b in db.session.query(WebhookBatch).order_by(WebhookBatch.id)] == [0, 1]


def test_an_event_clearly_older_than_the_stored_product_is_not_even_fetched(clock):
    app, platform, site_id = clock
    with app.app_context():
        platform.products["1"] = _product("1", "Stored", T0)
        apply.apply(site_id, {"1": _change()})
        fetched = len(platform.fetches)
        apply.apply(site_id, {"1": _change(at=T0 - timedelta(seconds=10))})
        assert len(platform.fetches) == fetched
        apply.apply(site_id, {"1": _change(at=T0 - timedelta(seconds=1))})  # within the margin: fetched
        assert len(platform.fetches) == fetched + 1


def test_a_deletion_archives_only_what_the_store_no_longer_has(clock):
    app, platform, site_id = clock
    with app.app_context():
        platform.products.update({"1": _product("1", "One", T0), "2": _product("2", "Two", T0)})
        apply.apply(site_id, {"1": _change(), "2": _change()})
        del platform.products["1"]
        apply.apply(site_id, {"1": _change("deleted"), "2": _change("deleted")})  # "2" still exists
        db.session.expire_all()
        assert _stored(site_id, "1").archived_at is not None
        assert _stored(site_id, "2").archived_at is None


def test_refusals_look_the_same_and_queue_nothing(clock):
    app, _platform, site_id = clock
    client = app.test_client()
    with app.app_context():
        endpoint = endpoints.for_site(db.session.get(Site, site_id))
        url, secret = f"/webhooks/{endpoint.token}", endpoints.secret_of(endpoint)
        body = json.dumps({"id": "1", "kind": "upserted", "delivery": "d1"})
        answers = [
            client.post(url, data=body, headers={"X-Secret": "wrong"}),
            client.post(url, data=body),
            client.post("/webhooks/" + "A" * 43, data=body, headers={"X-Secret": secret}),
            client.post("/webhooks/short", data=body, headers={"X-Secret": secret}),
        ]
        assert {(a.status_code, a.get_data()) for a in answers} == {(401, b"invalid delivery\n")}
        assert pending.redis().llen(pending.pending_key(site_id)) == 0
        first = client.post(url, data=body, headers={"X-Secret": secret})
        again = client.post(url, data=body, headers={"X-Secret": secret})
        assert (first.status_code, first.headers["X-Hub-Accepted"]) == (200, "1")
        assert (again.status_code, again.headers["X-Hub-Duplicates"]) == (200, "1")
        assert [json.loads(i)["id"] for i in pending.redis().lrange(pending.pending_key(site_id), 0, -1)] == [
            "1"
        ]


def test_the_sync_page_card_says_how_live_updates_stand(clock):
    app, platform, site_id = clock
    with app.app_context():
        from hub.webhooks import lifecycle, views

        site = db.session.get(Site, site_id)
        assert views.summary(site).label == "Not configured"
        assert lifecycle.register(site) == "active"
        platform.products["1"] = _product("1", "One", T0)
        apply.apply(site_id, {"1": _change()})
        endpoints.for_site(site).reactivations = 2
        db.session.commit()
        summary = views.summary(site)
        assert (summary.label, summary.products_last_hour, summary.reactivations) == ("Active", 1, 2)
        app.config["HUB_PUBLIC_URL"] = ""
        assert lifecycle.register(site) == "not_configured"
        assert "not switched on for this hub yet" in views.summary(site).message  # said to the merchant


@pytest.mark.parametrize(
    ("waiting", "age", "arrived", "expected"),
    [
        (10, 0.3, 10, False),  # young: wait for more
        (12, 0.7, 12, True),  # a trickle: apply after the short wait
        (150, 0.7, 150, False),  # a burst that fills 250 within the burst wait: keep filling
        (200, 5.1, 200, True),  # never longer than the burst wait
    ],
)
def test_when_a_partial_batch_is_applied(waiting, age, arrived, expected):
    cfg = {k: getattr(Defaults, k) for k in dir(Defaults) if k.startswith("HUB_WEBHOOK")}
    assert apply._waited_enough(cfg, waiting, age, arrived, 250) is expected
