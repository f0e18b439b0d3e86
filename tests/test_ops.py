"""Points 7-9 of issue 13: the admin role, health checks, Prometheus metrics, the operations pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker

from hub.extensions import db
from hub.models import Site, SyncRun, User
from hub.models.base import utcnow
from tests.conftest import Browser, make_app

ADMIN = "ops@example.com"


def failing_job(run_id: int) -> None:
    """A job that fails, for the failed-jobs page (RQ imports it by name)."""
    raise RuntimeError(f"platform said no for run {run_id}")


def _make_admin(app, email: str = ADMIN) -> None:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        user.is_admin = True
        user.end_sessions()
        db.session.commit()


def _admin_browser(app) -> Browser:
    b = Browser(app.test_client())
    b.signup(ADMIN)
    _make_admin(app)
    resp = b.submit("/login", {"email": ADMIN, "password": "correct horse battery"})
    assert resp.status_code == 302
    return b


def _runs(app) -> dict[str, int]:
    """Two merchants' sites with runs in every interesting state; returns the run ids by label."""
    with app.app_context():
        ids = {}
        for n, status in enumerate(("connected", "needs_attention")):
            owner = User(email=f"m{n}@example.com", password_hash="x")
            db.session.add(owner)
            db.session.flush()
            site = Site(owner_id=owner.id, name=f"Shop {n}", platform="toy", connection_status=status)
            db.session.add(site)
            db.session.flush()
            old = utcnow() - timedelta(hours=2)
            for label, state, extra in (
                ("ok", "succeeded", {}),
                ("failed", "failed", {"error_message": "Token revoked"}),
                ("stuck", "running", {"heartbeat_at": old, "active_site_id": site.id}),
            ):
                run = SyncRun(
                    site_id=site.id,
                    # all created at the same moment: the usage page groups by day, and "now" and "two hours
                    # ago" are different days between midnight and 02:00 UTC
                    created_at=old,
                    kind="full",
                    state=state,
                    started_at=utcnow() - timedelta(seconds=30),
                    finished_at=None if state == "running" else utcnow(),
                    requests=120,
                    rate_limit_wait_s=1.5,
                    products_created=10,
                    attempts=1 if label == "failed" else 0,  # retries after transient failures
                    resumes=1 if label == "stuck" else 0,
                    throttled=3,
                    **extra,
                )
                db.session.add(run)
                db.session.flush()
                ids[f"{label}{n}"] = run.id
        db.session.commit()
        return ids


def test_merchants_do_not_see_operator_pages(browser, app):
    browser.signup()
    for path in ("/ops/", "/ops/runs", "/ops/jobs/failed", "/ops/usage", "/plugins", "/metrics"):
        assert browser.get(path).status_code == 404, path
    home = browser.get("/").get_data(as_text=True)
    assert "/ops/" not in home and "/plugins" not in home


def test_admin_sees_runs_across_sites_with_filters(app):
    ids = _runs(app)
    admin = _admin_browser(app)
    assert "/ops/" in admin.get("/").get_data(as_text=True)  # the nav link

    def shown(filter_: str) -> set[int]:
        html = admin.get(f"/ops/runs?filter={filter_}").get_data(as_text=True)
        return {run_id for run_id in ids.values() if f'id="run-{run_id}"' in html}

    assert shown("all") == set(ids.values())
    assert shown("failed") == {ids["failed0"], ids["failed1"]}
    assert shown("stuck") == {ids["stuck0"], ids["stuck1"]}
    assert shown("attention") == {ids["ok1"], ids["failed1"], ids["stuck1"]}
    assert shown("nonsense") == set(ids.values())
    index = admin.get("/ops/").get_data(as_text=True)
    assert 'id="attention"' in index and "m1@example.com" in index and "m0@example.com" not in index
    usage = admin.get("/ops/usage").get_data(as_text=True)
    assert "Shop 0" in usage and "Shop 1" in usage and ">360<" in usage  # 3 runs x 120 requests per day


def test_failed_jobs_are_listed_and_retried(database_url, tmp_path, redis_url):
    app = make_app(database_url, tmp_path, REDIS_URL=redis_url, HUB_QUEUE="ops-test")
    connection = __import__("redis").Redis.from_url(redis_url)
    queue = Queue("ops-test", connection=connection)
    queue.empty()
    job = queue.enqueue(failing_job, 4242)
    SimpleWorker([queue], connection=connection).work(burst=True)
    try:
        admin = _admin_browser(app)
        page = admin.get("/ops/jobs/failed").get_data(as_text=True)
        assert job.id in page and "platform said no for run 4242" in page and "4242" in page
        overview = admin.get("/ops/").get_data(as_text=True)
        assert 'id="queues"' in overview and "ops-test" in overview
        resp = admin.submit(f"/ops/jobs/{job.id}/retry", {}, page_url="/ops/jobs/failed")
        assert resp.status_code == 302
        assert queue.count == 1 and job.id in queue.get_job_ids()
        again = admin.submit(
            f"/ops/jobs/{job.id}/retry", {}, page_url="/ops/jobs/failed", follow_redirects=True
        )
        assert "no longer in the failed list" in again.get_data(as_text=True)
    finally:
        queue.empty()
        with app.app_context():
            db.session.execute(db.delete(User))
            db.session.commit()
            db.engine.dispose()


def test_healthz_and_readyz(database_url, tmp_path, redis_url, app):
    ready_app = make_app(database_url, tmp_path, REDIS_URL=redis_url)
    client = ready_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert set(ready.get_json()["checks"]) == {"database", "migrations", "redis"}

    no_redis = (
        make_app(database_url, tmp_path, REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/readyz")
    )
    assert no_redis.status_code == 503 and no_redis.get_json()["checks"]["redis"]["ok"] is False
    assert "127.0.0.1:1" not in no_redis.get_data(as_text=True)  # no URLs in the answer

    fresh = make_app(f"sqlite:///{tmp_path / 'unmigrated.sqlite3'}", tmp_path, REDIS_URL=redis_url)
    stale = fresh.test_client().get("/readyz")
    assert stale.status_code == 503
    assert "hub db upgrade" in stale.get_json()["checks"]["migrations"]["detail"]
    assert fresh.test_client().get("/healthz").status_code == 200  # liveness ignores dependencies


def test_metrics_need_the_token_or_an_admin(database_url, tmp_path, redis_url, app):
    _runs(app)
    metrics_app = make_app(database_url, tmp_path, HUB_METRICS_TOKEN="scrape-secret-123", REDIS_URL=redis_url)
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    resp = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    for line in (
        'hub_sync_runs{platform="toy",state="failed"} 2.0',
        'hub_sync_runs{platform="toy",state="running"} 2.0',
        'hub_platform_requests_total{platform="toy"} 720.0',
        'hub_platform_rate_limit_wait_seconds_total{platform="toy"} 9.0',
        'hub_sync_products_written_total{platform="toy"} 60.0',
        'hub_sync_retries_total{platform="toy"} 2.0',
        'hub_watchdog_resumes_total{platform="toy"} 2.0',
        'hub_platform_throttled_total{platform="toy"} 18.0',
        'hub_sync_run_duration_seconds_count{platform="toy"} 4.0',
        "hub_sites_needing_attention 1.0",
        "hub_redis_up 1.0",
    ):
        assert line in text, line
    total = next(
        ln for ln in text.splitlines() if ln.startswith('hub_sync_run_duration_seconds_sum{platform="toy"}')
    )
    assert 119.0 < float(total.split()[-1]) < 130.0  # 4 finished runs of ~30 s each
    assert "hub_queue_depth" in text and "hub_login_failures" in text and "hub_widget_requests" in text
    admin = _admin_browser(metrics_app)
    assert admin.get("/metrics").status_code == 200


def test_login_failures_and_widget_refusals_are_counted(database_url, tmp_path, app):
    from hub.ops import metrics

    before = metrics.LOGIN_FAILURES.labels(reason="wrong_password")._value.get()
    b = Browser(make_app(database_url, tmp_path, REDIS_URL="").test_client())
    b.submit("/login", {"email": "nobody@example.com", "password": "wrong password!"})
    assert metrics.LOGIN_FAILURES.labels(reason="wrong_password")._value.get() == before + 1


@pytest.mark.parametrize("path", ["/ops/", "/ops/jobs/failed"])
def test_operations_pages_without_redis_still_answer(database_url, tmp_path, app, path):
    admin = _admin_browser(make_app(database_url, tmp_path, REDIS_URL=""))
    resp = admin.get(path)
    assert resp.status_code == 200 and "Redis is not configured" in resp.get_data(as_text=True)
