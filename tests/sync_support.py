"""Real parts for sync tests: a Redis, `hub worker` processes, and comparison with the demo store's truth."""

from __future__ import annotations

import html
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from hub.extensions import db
from hub.models import Brand, Category, Product, ProductPayload, SyncRun


class Worker:
    """A `hub worker` subprocess on the test database and Redis."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.log = open(log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        """Stop gracefully; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        return self.process.returncode


def worker_env(app, redis_url: str, queue: str, **extra: str) -> dict[str, str]:
    """Environment for a worker process sharing the test app's database and secrets."""
    cfg = app.config
    env = {
        **os.environ,
        "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "HUB_QUEUE": queue,
        "SECRET_KEY": cfg["SECRET_KEY"],
        "HUB_ENCRYPTION_KEYS": cfg["HUB_ENCRYPTION_KEYS"],
        "HUB_INSTANCE_PATH": app.instance_path,
        "HUB_PLUGINS": "bigcommerce",
        "HUB_PLUGINS_AUTOLOAD": "1",
        "BIGCOMMERCE_API_URL": cfg["BIGCOMMERCE_API_URL"],
        "BIGCOMMERCE_BACKOFF_BASE": "0.05",
        "BIGCOMMERCE_BACKOFF_CAP": "0.5",
        "HUB_SYNC_HEARTBEAT_SECONDS": "0.5",
        "HUB_SYNC_STALE_SECONDS": "3",
        "HUB_WATCHDOG_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def unique_queue() -> str:
    """A queue name of this test's own, so workers of other tests never take its jobs."""
    return f"test-{uuid.uuid4().hex[:10]}"


def wait_run(app, run_id: int, timeout: float = 120, until=None) -> SyncRun:
    """Poll the database until the run is final (or ``until(run)`` holds)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            run = db.session.get(SyncRun, run_id)
            db.session.expunge(run)
        if until(run) if until else run.state not in ("queued", "running"):
            return run
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} still {run.state}/{run.stage} after {timeout}s")
        time.sleep(0.2)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).normalize()


def _sale(value) -> Decimal | None:
    # BigCommerce sends sale_price 0 for "not on sale"; the hub stores that as no sale price.
    money = _money(value)
    return None if money == 0 else money


def stored_products(site_id: int, pks: dict[int, str]) -> dict[str, dict]:
    """Stored products with primary keys ``pks`` (pk → platform id) as comparable plain data.

    One projection for the tests and the benchmark's streamed comparison (which calls it chunk by chunk).
    """
    products: dict[str, dict] = {}
    for p in db.session.execute(
        select(
            Product.platform_id, Product.name, Product.sku, Product.price, Product.sale_price,
            Product.is_visible, Product.brand_id, Product.category_ids, Product.date_modified,
            ProductPayload.variants, ProductPayload.images, ProductPayload.custom_fields,
        )
        .outerjoin(ProductPayload, ProductPayload.product_id == Product.id)
        .where(Product.id.in_(list(pks)))
    ):  # fmt: skip
        products[p.platform_id] = {
            "name": p.name,
            "sku": p.sku or "",
            "price": _money(p.price),
            "sale_price": _money(p.sale_price),
            "is_visible": p.is_visible,
            "brand_id": p.brand_id,
            "categories": sorted(p.category_ids),
            "date_modified": p.date_modified,
            "variants": sorted((v["id"], v["sku"] or "", _money(v["price"])) for v in p.variants or ()),
            "images": sorted((i["id"], i["url"]) for i in p.images or ()),
            "custom_fields": sorted((f["name"], f["value"]) for f in p.custom_fields or ()),
        }
    return products


def stored_catalog(app, site_id: int) -> dict:
    """The site's non-archived catalog as comparable plain data."""
    with app.app_context():
        pks = dict(
            db.session.execute(
                select(Product.id, Product.platform_id).where(
                    Product.site_id == site_id, Product.archived_at.is_(None)
                )
            ).all()
        )
        products = stored_products(site_id, pks) if pks else {}
        categories = {
            c.platform_id: c.name
            for c in db.session.scalars(select(Category).where(Category.site_id == site_id))
        }
        brands = {
            b.platform_id: b.name for b in db.session.scalars(select(Brand).where(Brand.site_id == site_id))
        }
    return {"products": products, "categories": categories, "brands": brands}


def truth_catalog(truth: dict, skip_ids: set[str] = frozenset()) -> dict:
    """The demo store's ground truth in the same shape as :func:`stored_catalog`."""
    from datetime import datetime

    products = {}
    for p in truth["products"]:
        pid = str(p["id"])
        if pid in skip_ids:
            continue
        products[pid] = {
            "name": html.unescape(p["name"]),  # the plugin decodes the platform's entities
            "sku": p.get("sku") or "",
            "price": _money(p.get("price")),
            "sale_price": _sale(p.get("sale_price")),
            "is_visible": p.get("is_visible"),
            "brand_id": str(p["brand_id"]) if p.get("brand_id") else None,
            "categories": sorted(str(c) for c in p.get("categories") or []),
            "date_modified": datetime.fromisoformat(p["date_modified"]),
            "variants": sorted(
                (str(v["id"]), v.get("sku") or "", _money(v.get("price"))) for v in p.get("variants") or []
            ),
            "images": sorted((str(i["id"]), i.get("url_standard")) for i in p.get("images") or []),
            "custom_fields": sorted((f["name"], f["value"]) for f in p.get("custom_fields") or []),
        }
    categories = {str(c["id"]): html.unescape(c["name"]) for c in truth["categories"]}
    brands = {str(b["id"]): html.unescape(b["name"]) for b in truth["brands"]}
    return {"products": products, "categories": categories, "brands": brands}


def assert_catalog_equal(stored: dict, truth: dict) -> None:
    """Equal catalogs, with a readable diff of the first differences."""
    assert stored["categories"] == truth["categories"]
    assert stored["brands"] == truth["brands"]
    missing = sorted(set(truth["products"]) - set(stored["products"]), key=int)
    extra = sorted(set(stored["products"]) - set(truth["products"]), key=int)
    assert not missing and not extra, (
        f"missing {missing[:10]} ({len(missing)}), extra {extra[:10]} ({len(extra)})"
    )
    diffs = [pid for pid, p in truth["products"].items() if stored["products"][pid] != p]
    if diffs:
        pid = diffs[0]
        a, b = stored["products"][pid], truth["products"][pid]
        detail = {k: (a[k], b[k]) for k in b if a[k] != b[k]}
        raise AssertionError(f"{len(diffs)} products differ; first {pid}: {detail}")


#: damage the BigCommerce plugin or the hub refuses (the product is a per-product error); the other kinds
#: ("price_string": a number as text, NUL bytes, dates without offset) are read or repaired and stored
REFUSED_DAMAGE = frozenset({"null_name", "categories_string", "huge_price", "long_sku", "huge_inventory"})


def damaged_ids(truth: dict, faults: dict) -> dict[str, str]:
    """Product id -> how the demo store serves it damaged, under ``faults`` (the dice are per id and seed)."""
    from claudery_bigcommerce.demo_store.config import faults_from_dict
    from claudery_bigcommerce.demo_store.faults import FaultInjector

    injector = FaultInjector(faults_from_dict(faults))
    kinds = {str(p["id"]): injector.malformed_kind(int(p["id"])) for p in truth["products"]}
    return {pid: kind for pid, kind in kinds.items() if kind}
