"""Shopify sync end to end: a real `hub worker` on a real Redis, the Shopify demo store over real HTTP.

The stored catalog is compared with the demo store's ground truth after full syncs (nested paging
included), throttled and faulty runs, a SIGKILL mid-paging, incremental and reconcile runs, and a
client-credentials token that expires mid-sync. The hub's generic sync support (``tests/sync_support``)
is reused as is: nothing here is Shopify-specific except the truth's mapping.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from claudery_shopify import plugin
from claudery_shopify.demo_store.testing import DemoStoreProcess
from sqlalchemy import func, select

from hub import connection, credentials
from hub.extensions import db
from hub.models import Product, RunKind, Site
from hub.plugins import current_host
from hub.sync import runs
from hub.views.auth import create_user
from tests.conftest import database_url, make_app, redis_url  # noqa: F401 - session fixtures used by name
from tests.sync_support import (
    Worker,
    assert_catalog_equal,
    stored_catalog,
    unique_queue,
    wait_run,
    worker_env,
)

pytestmark = pytest.mark.slow

NO_SCOPE_TOKEN = "shpat_noscope000000000000000000"


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).normalize()


def _prices(v: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """(regular, sale): a compare-at price above the price means the variant is on sale."""
    price, compare = _money(v.get("price")), _money(v.get("compareAtPrice"))
    return (
        (compare, price) if price is not None and compare is not None and compare > price else (price, None)
    )


def truth_catalog(truth: dict[str, Any]) -> dict[str, Any]:
    """The Shopify ground truth in the shape of :func:`tests.sync_support.stored_catalog`."""
    products = {}
    for p in truth["products"]:
        variants = p["variants"]
        cheapest = min(variants, key=lambda v: _prices(v)[1] or _prices(v)[0])
        regular, sale = _prices(cheapest)
        products[p["id"]] = {
            "name": p["title"],
            "sku": (variants[0].get("sku") or "") if len(variants) == 1 else "",
            "price": regular,
            "sale_price": sale,
            "is_visible": p["status"] == "ACTIVE" and p.get("publishedAt") is not None,
            "brand_id": p["vendor"] or None,
            "categories": sorted(p.get("collections") or []),
            "date_modified": datetime.fromisoformat(p["updatedAt"].replace("Z", "+00:00")),
            "variants": sorted((v["id"], v.get("sku") or "", _prices(v)[0]) for v in variants),
            "images": sorted((m["id"], m["image"]["url"]) for m in p.get("media") or [] if m.get("image")),
            "custom_fields": sorted(
                (f"{m['namespace']}.{m['key']}", m["value"]) for m in p.get("metafields") or []
            ),
        }
    return {
        "products": products,
        "categories": {c["id"]: c["title"] for c in truth["collections"]},
        "brands": {p["vendor"]: p["vendor"] for p in truth["products"] if p["vendor"]},
    }


def _comparable(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored dates may come back naive from SQLite: compare them as UTC."""
    from datetime import UTC

    for p in stored["products"].values():
        if p["date_modified"] is not None and p["date_modified"].tzinfo is None:
            p["date_modified"] = p["date_modified"].replace(tzinfo=UTC)
    return stored


def assert_exact(app: Any, site_id: int, store: DemoStoreProcess) -> None:
    stored = _comparable(stored_catalog(app, site_id))
    truth = truth_catalog(store.admin.catalog())
    # GIDs are not integers: sort_key=int in assert_catalog_equal only runs on a difference
    missing, extra = (
        set(truth["products"]) - set(stored["products"]),
        set(stored["products"]) - set(truth["products"]),
    )
    assert not missing and not extra, (sorted(missing)[:5], sorted(extra)[:5])
    assert_catalog_equal(stored, truth)


@pytest.fixture
def worker_factory(tmp_path, redis_url):  # noqa: F811
    started: list[Worker] = []

    def factory(app, queue, store: DemoStoreProcess, **extra):
        env = worker_env(
            app,
            redis_url,
            queue,
            HUB_PLUGINS="shopify",
            SHOPIFY_API_URL=store.base_url + "/shops/{shop}",
            SHOPIFY_BACKOFF_BASE="0.05",
            SHOPIFY_BACKOFF_CAP="0.5",
            **extra,
        )
        worker = Worker(env, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield factory
    for worker in started:
        worker.stop()


@pytest.fixture
def shopify_site(database_url, tmp_path, redis_url, shopify_demo_store_factory):  # noqa: F811
    """A factory: (app, site_id, store) for a Shopify demo store started with ``options``, connected."""
    made = []

    def factory(client_credentials: bool = False, **options: Any):
        store: DemoStoreProcess = shopify_demo_store_factory(**options)
        app = make_app(
            database_url,
            tmp_path,
            plugins=[("shopify", plugin)],
            SHOPIFY_API_URL=store.base_url + "/shops/{shop}",
            REDIS_URL=redis_url,
            SHOPIFY_BACKOFF_BASE="0.05",
            SHOPIFY_BACKOFF_CAP="0.5",
            HUB_QUEUE=unique_queue(),
        )
        made.append(app)
        raw = (
            {"shop": store.shop, "client_id": store.client_id, "client_secret": store.client_secret}
            if client_credentials
            else {"shop": store.shop, "access_token": store.access_token}
        )
        with app.app_context():
            user = create_user(f"shopify{len(made)}@example.com", "correct horse battery")
            site = Site(owner_id=user.id, name="Shopify demo")
            db.session.add(site)
            host = current_host()
            credentials.save(host, site, "shopify", plugin.normalize_credentials("shopify", raw))
            connection.record(site, connection.test_credentials(host, "shopify", credentials.stored(site)))
            db.session.commit()
            assert site.connection_status == "connected", site.last_test_message
            return app, site.id, store

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()


def _kill_machine(worker: Worker) -> None:
    """SIGKILL the worker *and* its children, as when its machine dies.

    Killing the parent alone leaves RQ's forked scheduler process alive, holding the parent's database
    connection (inherited through fork) idle in a transaction: on PostgreSQL its locks then block the
    takeover forever (reported to the lead as a hub finding).
    """
    import psutil

    children = psutil.Process(worker.process.pid).children(recursive=True)
    worker.kill()
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _start(app, site_id, kind=RunKind.FULL) -> int:
    with app.app_context():
        run, _created = runs.start_run(db.session.get(Site, site_id), kind)
        return run.id


def _ops(store: DemoStoreProcess) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (operation, _status, code), n in store.admin.request_counts().items():
        key = f"{operation}:{code}" if code else operation
        totals[key] = totals.get(key, 0) + n
    return totals


def test_full_sync_equals_ground_truth_with_nested_paging(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(products=1200, throttle=False, seed=11)
    worker_factory(app, app.config["HUB_QUEUE"], store)
    run = wait_run(app, _start(app, site_id))
    assert run.state == "succeeded", run.error_message
    truth = store.admin.catalog()
    assert run.expected_total == len(truth["products"]) == run.products_created
    assert max(len(p["variants"]) for p in truth["products"]) >= 250
    assert_exact(app, site_id, store)
    assert _ops(store).get("query HubProduct_variants", 0) > 0  # the big products were paged
    again = wait_run(app, _start(app, site_id))
    assert again.state == "succeeded" and again.products_unchanged == len(truth["products"])


def test_throttled_sync_is_exact(shopify_site: Callable, worker_factory: Callable) -> None:
    app, site_id, store = shopify_site(products=400, seed=12, plan="standard")
    store.admin.set_bucket(size=1000, restore=500)  # a small bucket that runs dry every few pages
    store.admin.set_faults(throttle_next=2)
    worker_factory(app, app.config["HUB_QUEUE"], store, SHOPIFY_PAGE_SIZE="100")
    run = wait_run(app, _start(app, site_id))
    assert run.state == "succeeded", run.error_message
    assert_exact(app, site_id, store)
    assert run.rate_limit_wait_s > 0
    assert sum(n for key, n in _ops(store).items() if key.endswith(":THROTTLED")) >= 2


def test_sync_under_faults_is_exact(shopify_site: Callable, worker_factory: Callable) -> None:
    app, site_id, store = shopify_site(products=500, throttle=False, seed=13)
    store.admin.set_faults(
        error_rate=0.05, internal_error_rate=0.05, drop_rate=0.03, rate_429=0.03, retry_after_s=0.1
    )
    worker_factory(app, app.config["HUB_QUEUE"], store, SHOPIFY_PAGE_SIZE="50", SHOPIFY_MAX_RETRIES="10")
    run = wait_run(app, _start(app, site_id))
    assert run.state == "succeeded", run.error_message
    store.admin.set_faults(error_rate=0, internal_error_rate=0, drop_rate=0, rate_429=0)
    assert_exact(app, site_id, store)


def test_sigkill_mid_paging_resumes_exact(shopify_site: Callable, worker_factory: Callable) -> None:
    app, site_id, store = shopify_site(products=1000, throttle=False, seed=14, latency_ms=40)
    queue = app.config["HUB_QUEUE"]
    first = worker_factory(app, queue, store, SHOPIFY_PAGE_SIZE="25")
    run_id = _start(app, site_id)
    wait_run(app, run_id, until=lambda r: r.products_seen >= 200)
    _kill_machine(first)
    worker_factory(app, queue, store, SHOPIFY_PAGE_SIZE="25")
    run = wait_run(app, run_id, timeout=180)
    assert run.state == "succeeded", run.error_message
    assert run.epoch >= 3  # taken over from the killed worker, resumed from its cursor
    assert_exact(app, site_id, store)
    with app.app_context():
        dupes = db.session.execute(
            select(Product.platform_id, func.count())
            .where(Product.site_id == site_id)
            .group_by(Product.platform_id)
            .having(func.count() > 1)
        ).all()
    assert dupes == []
    # resumed, not restarted: the products pages read are close to one walk's worth
    assert _ops(store)["query HubProducts"] <= 1000 / 25 + 10


def test_incremental_then_reconcile_archives_deletions(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(products=600, throttle=False, seed=15)
    worker_factory(app, app.config["HUB_QUEUE"], store)
    assert wait_run(app, _start(app, site_id)).state == "succeeded"
    ids = store.admin.product_ids()
    for pid in ids[10:40]:
        store.admin.update_product(pid, title=f"Renamed {pid[-6:]}")
    store.admin.reset_counts()
    run = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL))
    assert run.kind == "incremental" and run.state == "succeeded", run.error_message
    assert run.products_updated == 30
    assert _ops(store).get("query HubProducts", 0) <= 3  # a search, not a walk
    assert_exact(app, site_id, store)

    for pid in ids[:5]:
        store.admin.delete_product(pid)
    run = wait_run(app, _start(app, site_id, RunKind.RECONCILE))
    assert run.state == "succeeded" and run.products_archived == 5
    with app.app_context():
        archived = set(
            db.session.scalars(
                select(Product.platform_id).where(
                    Product.site_id == site_id, Product.archived_at.is_not(None)
                )
            )
        )
    assert archived == set(ids[:5])


def test_token_expiring_mid_sync_is_renewed_and_saved(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(
        client_credentials=True, products=800, throttle=False, seed=16, latency_ms=20, token_lifetime_s=3600
    )
    worker_factory(app, app.config["HUB_QUEUE"], store, SHOPIFY_PAGE_SIZE="25")
    run_id = _start(app, site_id)
    wait_run(app, run_id, until=lambda r: r.products_seen >= 200)
    with app.app_context():  # the token the worker obtained, saved through the contract
        before = credentials.stored(db.session.get(Site, site_id))["access_token"]
    store.admin.advance_clock(7200)  # every token issued so far has expired on Shopify's side
    run = wait_run(app, run_id, timeout=120)
    assert run.state == "succeeded", run.error_message
    assert_exact(app, site_id, store)
    with app.app_context():
        site = db.session.get(Site, site_id)
        after = credentials.stored(site)
        assert after["access_token"] != before and after["client_secret"] == store.client_secret
        assert "access_token" not in (site.credentials_public or {})  # stored encrypted
    assert sum(n for (op, status, _c), n in store.admin.request_counts().items() if status == 401) >= 1


def test_missing_read_products_scope_fails_the_run_and_flags_the_site(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    second_app = {"handle": "claudery-demo", "access_token": NO_SCOPE_TOKEN, "scopes": ["read_inventory"],
                  "client_id": "other0client", "client_secret": "shpss_other0secret"}  # fmt: skip
    app, site_id, store = shopify_site(products=50, throttle=False, shops=[{}, second_app])
    with app.app_context():
        site = db.session.get(Site, site_id)
        credentials.save(
            current_host(), site, "shopify", {**credentials.stored(site), "access_token": NO_SCOPE_TOKEN}
        )
        db.session.commit()
    worker_factory(app, app.config["HUB_QUEUE"], store)
    run = wait_run(app, _start(app, site_id))
    assert run.state == "failed" and run.error_kind == "scope"
    assert "read_products" in run.error_message and NO_SCOPE_TOKEN not in run.error_message
    with app.app_context():
        assert db.session.get(Site, site_id).connection_status == "needs_attention"


def _bulk_starts(store: DemoStoreProcess) -> int:
    return sum(
        n
        for (op, status, _c), n in store.admin.request_counts().items()
        if "HubBulkStart" in op and status == 200
    )


def test_bulk_sync_killed_mid_download_resumes_the_same_export_exact(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(products=2500, throttle=False, seed=17)
    queue = app.config["HUB_QUEUE"]
    bulk = {
        "SHOPIFY_BULK_THRESHOLD": "2000",
        "SHOPIFY_BULK_PAGE_SIZE": "25",
        "SHOPIFY_BULK_POLL_INTERVAL": "0.05",
    }
    first = worker_factory(app, queue, store, **bulk)
    run_id = _start(app, site_id)
    wait_run(app, run_id, until=lambda r: r.products_seen >= 300)
    _kill_machine(first)
    worker_factory(app, queue, store, **bulk)
    run = wait_run(app, run_id, timeout=180)
    assert run.state == "succeeded", run.error_message
    assert run.epoch >= 3
    assert _bulk_starts(store) == 1  # the download resumed; the export was not started again
    assert _ops(store).get("query HubProducts", 0) == 0  # no paging at all
    assert_exact(app, site_id, store)


def test_cli_connects_a_shop_from_json_and_exports_gids(
    database_url,  # noqa: F811
    tmp_path,
    redis_url,  # noqa: F811
    shopify_demo_store,
    worker_factory: Callable,
) -> None:
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from hub.cli import _register_hub_commands, cli

    _register_hub_commands()
    store: DemoStoreProcess = shopify_demo_store
    app = make_app(
        database_url, tmp_path, plugins=[("shopify", plugin)], REDIS_URL=redis_url, HUB_QUEUE=unique_queue(),
        SHOPIFY_API_URL=store.base_url + "/shops/{shop}",
    )  # fmt: skip

    def run(args: list[str], stdin: str | None = None) -> Any:
        return CliRunner().invoke(cli, args, input=stdin, obj=ScriptInfo(create_app=lambda: app))

    try:
        assert run(["users", "create", "op@example.com"], "a long password\n").exit_code == 0
        pasted = {
            "shop": f" https://admin.shopify.com/store/{store.shop}/products ",
            "access_token": store.access_token,
        }
        result = run(
            ["sites", "connect", "--owner", "op@example.com", "--platform", "shopify", "--name", "S"],
            json.dumps(pasted),
        )
        assert result.exit_code == 0 and "OK: Connected to" in result.output, result.output
        assert store.access_token not in result.output
        site_id = int(result.stdout.strip().splitlines()[-1])
        worker_factory(app, app.config["HUB_QUEUE"], store)
        assert wait_run(app, _start(app, site_id)).state == "succeeded"
        exported = [
            json.loads(line) for line in run(["products", "export", str(site_id)]).stdout.splitlines()
        ]
        truth = {p["id"]: p for p in store.admin.catalog()["products"]}
        assert {e["id"] for e in exported} == set(truth)
        for e in exported:
            assert e["id"].startswith("gid://shopify/Product/")
            assert e["brand_id"] == truth[e["id"]]["vendor"]
    finally:
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()


def test_catalog_changes_during_sync_are_exact_after_incremental_and_reconcile(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(products=800, throttle=False, seed=18)
    store.admin.set_faults(paging_changes={"enabled": True, "every": 1, "delete": 3, "add": 3, "modify": 3})
    worker_factory(app, app.config["HUB_QUEUE"], store, SHOPIFY_PAGE_SIZE="50")
    first = wait_run(app, _start(app, site_id))
    assert first.state in ("succeeded", "partially_failed"), first.error_message
    store.admin.set_faults(paging_changes={"enabled": False})
    assert len(store.admin.events()) > 0  # the catalog really changed under the walk
    run = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL))
    assert run.state == "succeeded", run.error_message
    recon = wait_run(app, _start(app, site_id, RunKind.RECONCILE))
    assert recon.state == "succeeded", recon.error_message
    assert_exact(app, site_id, store)


def test_search_index_lag_is_covered_by_the_next_incremental_run(
    shopify_site: Callable, worker_factory: Callable
) -> None:
    app, site_id, store = shopify_site(products=300, throttle=False, seed=19, search_index_lag_s=30)
    worker_factory(app, app.config["HUB_QUEUE"], store)
    assert wait_run(app, _start(app, site_id)).state == "succeeded"
    ids = store.admin.product_ids()
    for pid in ids[:4]:
        store.admin.update_product(pid, title=f"Lagging {pid[-5:]}")
    lagging = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL))
    assert (
        lagging.state == "succeeded" and lagging.products_updated == 0
    )  # Shopify's search has not seen them
    store.admin.advance_clock(60)  # the index catches up
    run = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL))
    assert run.state == "succeeded" and run.products_updated == 4  # the overlap reaches back to the edits
    assert_exact(app, site_id, store)
