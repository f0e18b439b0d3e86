"""Product sync end to end: a real `hub worker` on a real Redis, the demo store over real HTTP."""

from __future__ import annotations

import contextlib
import math
import threading

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.models import Product, RunKind, Site, SyncError, SyncRun
from hub.sync import runs
from tests.sync_support import (
    REFUSED_DAMAGE,
    Worker,
    assert_catalog_equal,
    damaged_ids,
    stored_catalog,
    truth_catalog,
    unique_queue,
    wait_run,
    worker_env,
)

#: real worker processes and demo stores: minutes, not seconds (run in CI; -m 'not slow' skips them)
pytestmark = pytest.mark.slow


@pytest.fixture
def worker_factory(tmp_path, redis_url):
    started: list[Worker] = []

    def factory(app, queue, **extra):
        worker = Worker(worker_env(app, redis_url, queue, **extra), tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        return worker

    yield factory
    for worker in started:
        worker.stop()


def _start(app, site_id, kind=RunKind.FULL):
    with app.app_context():
        run, created = runs.start_run(db.session.get(Site, site_id), kind)
        return run.id, created


def _queue(app):
    app.config["HUB_QUEUE"] = unique_queue()
    return app.config["HUB_QUEUE"]


def _product_requests(store) -> int:
    return sum(
        n
        for (endpoint, status), n in store.admin.request_counts().items()
        if "catalog/products" in endpoint and status == 200
    )


def test_full_sync_equals_ground_truth(connected_site, worker_factory):
    app, site_id, store = connected_site(products=2500, quota=0, seed=11)
    worker_factory(app, _queue(app))
    run_id, created = _start(app, site_id)
    assert created
    run = wait_run(app, run_id)
    assert run.state == "succeeded", run.error_message
    truth = store.admin.catalog()
    assert run.expected_total == len(truth["products"]) == run.products_created
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(truth))
    assert run.requests <= math.ceil(len(truth["products"]) / 250) * 1.02 + 2

    # A second full sync changes nothing and rewrites nothing.
    run = wait_run(app, _start(app, site_id)[0])
    assert run.state == "succeeded", run.error_message
    assert run.products_unchanged == len(truth["products"])
    assert run.products_created == run.products_updated == 0


def _other_app(store, stop: threading.Event, exhausted: threading.Event) -> None:
    import requests

    session = requests.Session()
    url = f"{store.api_base}/v3/catalog/summary"
    while not stop.wait(0.005):
        with contextlib.suppress(requests.RequestException):
            if session.get(url, headers={"X-Auth-Token": store.access_token}, timeout=5).status_code == 429:
                exhausted.set()


FAULTS = {"error_rate": 0.05, "drop_rate": 0.03, "bare_429_rate": 0.02, "malformed_rate": 0.01, "seed": 3}


def test_sync_under_faults_is_exact_and_counts_malformed(connected_site, worker_factory):
    app, site_id, store = connected_site(
        products=1500,
        seed=5,
        quota=40,
        window_ms=2000,
        faults=FAULTS,
    )
    worker_factory(app, _queue(app))
    stop, exhausted = threading.Event(), threading.Event()
    other_app = threading.Thread(target=_other_app, args=(store, stop, exhausted), daemon=True)
    other_app.start()  # the merchant's other apps eat the quota, so the hub meets real 429s
    assert exhausted.wait(30), "the other app never used up the quota"
    try:
        run = wait_run(app, _start(app, site_id)[0], timeout=240)
    finally:
        stop.set()
        other_app.join()
    truth = store.admin.catalog()
    counts = store.admin.request_counts()
    assert any(status == 429 for (_, status) in counts), counts  # the quota really ran out
    assert run.rate_limit_wait_s > 0  # and the hub waited for it instead of failing
    assert any(status >= 500 for (_, status) in counts), counts
    damaged = damaged_ids(truth, FAULTS)
    refused = {pid for pid, kind in damaged.items() if kind in REFUSED_DAMAGE}
    assert refused, "the seeds must plant refused records for this test to mean anything"
    with app.app_context():
        bad_ids = set(
            db.session.scalars(select(SyncError.product_platform_id).where(SyncError.run_id == run.id))
        )
    assert bad_ids == refused
    assert run.state == "partially_failed" and run.products_failed == len(refused)
    stored = stored_catalog(app, site_id)
    assert_catalog_equal(stored, truth_catalog(truth, skip_ids=bad_ids))


def test_hostile_values_fail_only_their_products_end_to_end(connected_site, worker_factory):
    """NUL bytes, a 1e26 price, a 300-character SKU, stock over 2^31, dates without offset: on both databases."""
    faults = {"hostile_rate": 0.06, "seed": 8}
    app, site_id, store = connected_site(products=600, quota=0, seed=4, faults=faults)
    worker_factory(app, _queue(app))
    run = wait_run(app, _start(app, site_id)[0])
    truth = store.admin.catalog()
    damaged = damaged_ids(truth, faults)
    refused = {pid for pid, kind in damaged.items() if kind in REFUSED_DAMAGE}
    repaired = {pid for pid, kind in damaged.items() if kind in ("nul_text", "nul_everywhere")}
    assert refused and repaired, "the seeds must plant both kinds for this test to mean anything"
    assert run.state == "partially_failed" and run.products_failed == len(refused), run.error_message
    with app.app_context():
        errors = {
            e.product_platform_id: e.message
            for e in db.session.scalars(select(SyncError).where(SyncError.run_id == run.id))
        }
    assert set(errors) == refused | repaired
    assert all(errors[pid].startswith("Repaired: NUL") for pid in repaired)
    # Everything else is exact, and repaired products are stored without their NUL bytes.
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(truth, skip_ids=refused))


def test_sigkill_mid_sync_resumes_exact(connected_site, worker_factory):
    # One request in flight at 250 ms a page: the 20-page walk takes 5 s or more on any machine, so the kill
    # lands mid-walk on a fast one too (checked below, not assumed).
    app, site_id, store = connected_site(products=5000, quota=0, seed=9, faults={"latency_ms": 250})
    queue = _queue(app)
    first = worker_factory(app, queue, BIGCOMMERCE_MAX_CONCURRENCY="1")
    run_id, _ = _start(app, site_id)
    wait_run(app, run_id, until=lambda r: r.products_seen >= 500)
    first.kill()
    killed = wait_run(app, run_id, until=lambda r: True)
    assert killed.state == "running" and killed.products_seen < 5000  # the kill landed mid-walk
    worker_factory(app, queue)
    run = wait_run(app, run_id, timeout=120)
    assert run.state == "succeeded", run.error_message
    assert run.attempts == 0 and run.epoch >= 3  # resumed (takeover + claim), and resumes cost no retry
    truth = store.admin.catalog()
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(truth))
    with app.app_context():
        dupes = db.session.execute(
            select(Product.platform_id, func.count())
            .where(Product.site_id == site_id)
            .group_by(Product.platform_id)
            .having(func.count() > 1)
        ).all()
    assert dupes == []


def test_incremental_fetches_only_changes_and_reconcile_archives(connected_site, worker_factory):
    app, site_id, store = connected_site(products=2000, quota=0, seed=4)
    worker_factory(app, _queue(app))
    assert wait_run(app, _start(app, site_id)[0]).state == "succeeded"
    truth = store.admin.catalog()
    ids = [p["id"] for p in truth["products"]]
    for pid in ids[10:310]:  # k = 300 changes → ceil(300/250) = 2 pages
        store.admin.update_product(pid, name=f"Renamed {pid}")
    store.admin.reset_counts()
    run = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL)[0])
    assert run.kind == "incremental" and run.state == "succeeded", run.error_message
    assert run.products_updated == 300
    assert _product_requests(store) <= math.ceil(300 / 250) + 2
    counts = store.admin.request_counts()
    assert sum(n for (ep, _), n in counts.items() if "categories" in ep or "brands" in ep) == 0  # all known
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(store.admin.catalog()))

    for pid in ids[:5]:
        store.admin.delete_product(pid)
    run = wait_run(app, _start(app, site_id, RunKind.RECONCILE)[0])
    assert run.state == "succeeded" and run.products_archived == 5
    with app.app_context():
        archived = set(
            db.session.scalars(
                select(Product.platform_id).where(
                    Product.site_id == site_id, Product.archived_at.is_not(None)
                )
            )
        )
    assert archived == {str(pid) for pid in ids[:5]}


def test_catalog_changes_during_sync_are_exact_after_next_incremental(connected_site, worker_factory):
    app, site_id, store = connected_site(
        products=2000,
        quota=0,
        seed=8,
        faults={"paging_changes": {"enabled": True, "every": 1, "delete": 3, "add": 3, "modify": 3}},
    )
    worker_factory(app, _queue(app), BIGCOMMERCE_MAX_CONCURRENCY="1")
    first = wait_run(app, _start(app, site_id)[0])
    assert first.state in ("succeeded", "partially_failed"), first.error_message
    store.admin.set_faults(paging_changes={"enabled": False})
    run = wait_run(app, _start(app, site_id, RunKind.INCREMENTAL)[0])
    assert run.state == "succeeded", run.error_message
    recon = wait_run(app, _start(app, site_id, RunKind.RECONCILE)[0])
    assert recon.state == "succeeded", recon.error_message
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(store.admin.catalog()))


def test_double_click_starts_one_run_and_cancel_stops(connected_site, worker_factory):
    app, site_id, _store = connected_site(products=5000, quota=0, seed=2, faults={"latency_ms": 150})
    results = []

    def click():
        with app.app_context():
            results.append(runs.start_run(db.session.get(Site, site_id), RunKind.FULL))
            db.session.remove()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({run.id for run, _ in results}) == 1
    run_id = results[0][0].id
    worker_factory(app, _queue(app), BIGCOMMERCE_MAX_CONCURRENCY="1")
    # The run was enqueued on the default queue before the test queue existed: requeue it there.
    with app.app_context():
        from hub.sync import jobs

        jobs.enqueue(db.session.get(SyncRun, run_id))
    wait_run(app, run_id, until=lambda r: r.state == "running" and r.products_seen > 0)
    with app.app_context():
        runs.cancel(site_id)
    run = wait_run(app, run_id, timeout=60)
    assert run.state == "cancelled"
    assert 0 < run.products_seen < 5000
    with app.app_context():
        assert runs.active_run(site_id) is None


def test_sigterm_finishes_the_batch_requeues_and_another_worker_completes(connected_site, worker_factory):
    app, site_id, store = connected_site(products=5000, quota=0, seed=12, faults={"latency_ms": 150})
    queue = _queue(app)
    first = worker_factory(app, queue, BIGCOMMERCE_MAX_CONCURRENCY="1")
    run_id, _ = _start(app, site_id)
    wait_run(app, run_id, until=lambda r: r.products_seen >= 500)
    assert first.stop() == 0  # SIGTERM: a clean exit, not a crash
    interrupted = wait_run(app, run_id, until=lambda r: r.state == "queued")
    # requeued where it stood: the stage and the cursor are the resume point
    assert interrupted.stage == "products" and interrupted.cursor is not None
    assert 500 <= interrupted.products_seen < 5000
    worker_factory(app, queue)
    run = wait_run(app, run_id)
    assert run.state == "succeeded", run.error_message
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(store.admin.catalog()))


def test_redis_restart_loses_no_run(connected_site, tmp_path, worker_factory):
    """Run state lives in the database: a job Redis forgot is re-enqueued by the watchdog."""
    from hub import embedded_redis

    app, site_id, store = connected_site(products=1000, quota=0, seed=21)
    redis = embedded_redis.start(tmp_path / "own-redis")  # no persistence: a restart forgets every job
    port = redis.port
    try:
        app.config["REDIS_URL"] = redis.url
        queue = _queue(app)
        run_id, _ = _start(app, site_id)  # queued in Redis, no worker yet
        redis.stop()
        redis = embedded_redis.start(tmp_path / "own-redis", port=port)
        worker_factory(app, queue, REDIS_URL=redis.url)
        run = wait_run(app, run_id, timeout=60)
        assert run.state == "succeeded", run.error_message
        assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(store.admin.catalog()))
    finally:
        redis.stop()


def test_revoked_token_stops_the_sync_and_flags_the_site(connected_site, worker_factory):
    from hub import credentials
    from hub.plugins import current_host

    app, site_id, store = connected_site(products=300, quota=0, seed=3)
    with app.app_context():
        site = db.session.get(Site, site_id)
        credentials.save(
            current_host(),
            site,
            "bigcommerce",
            {"store_hash": store.store_hash, "access_token": "revoked-token-0000000000"},
        )
        db.session.commit()
    worker_factory(app, _queue(app))
    run = wait_run(app, _start(app, site_id)[0])
    assert run.state == "failed" and run.error_kind == "auth"
    assert "revoked-token" not in (run.error_message or "")
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.connection_status == "needs_attention" and site.last_test_message == run.error_message


def test_platform_outage_is_retried_later_and_the_run_resumes(connected_site, worker_factory):
    app, site_id, store = connected_site(products=1000, quota=0, seed=30)
    queue = _queue(app)
    worker_factory(app, queue, BIGCOMMERCE_MAX_RETRIES="1", HUB_SYNC_RETRY_SECONDS="1")
    store.admin.set_faults(error_rate=1.0, error_statuses=[503])  # BigCommerce down
    run_id, _ = _start(app, site_id)
    waiting = wait_run(app, run_id, until=lambda r: "Retrying automatically" in (r.error_message or ""))
    assert waiting.state == "queued" and waiting.attempts >= 1
    store.admin.set_faults(error_rate=0.0)  # back up
    run = wait_run(app, run_id, timeout=60)
    assert run.state == "succeeded" and run.attempts >= 1 and run.error_message is None
    assert_catalog_equal(stored_catalog(app, site_id), truth_catalog(store.admin.catalog()))
