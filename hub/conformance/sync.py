"""End-to-end checks: the hub's real sync engine syncs the live store through the plugin.

Each check builds a hub in process (a throwaway SQLite database migrated with the real migrations, the
plugin under test as its only platform) and runs syncs the way a worker does (``start_run`` then the
engine's ``execute``), against the live store of the other checks. Jobs go to a real Redis:
``REDIS_URL`` when set (a queue of the check's own), else a ``redis-server`` started for the check;
without either the checks skip, saying why.

* a full sync stores exactly what a direct full fetch yields (malformed records become sync errors);
* with a ``catalog_admin``: after changes in the store, an incremental sync stores the new and renamed
  products, and after deletions a reconcile archives exactly the deleted ones. A plugin without
  ``Capability.INCREMENTAL`` or ``list_product_ids`` gets the full walk the hub falls back to, which
  must reach the same result.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from hub.conformance.base import ConformanceBase, Walk
from hub.contract import CatalogAdmin, FetchRequest

#: how a run that stored everything it could read ends; runs with unreadable records end partially failed
DONE = ("succeeded", "partially_failed")


class SyncChecks(ConformanceBase):
    """Full, incremental and reconcile runs of the real engine against the live store."""

    @pytest.fixture
    def sync_redis_url(self, tmp_path: Path) -> Iterator[str]:
        """``REDIS_URL``, or a redis-server of this test's own; skips without either."""
        url = os.environ.get("REDIS_URL")
        if url:
            yield url
            return
        from hub import embedded_redis

        try:
            server = embedded_redis.start(tmp_path / "redis")
        except embedded_redis.RedisUnavailable as exc:
            pytest.skip(f"no Redis for the end-to-end sync checks: {exc}")
        try:
            yield server.url
        finally:
            server.stop()

    @pytest.fixture
    def sync_app(
        self, tmp_path: Path, sync_redis_url: str, live_settings: Mapping[str, Any]
    ) -> Iterator[Flask]:
        """A hub with only the plugin under test, on a fresh migrated SQLite database."""
        from flask_migrate import upgrade

        from hub import create_app
        from hub.extensions import db

        config = {
            "TESTING": True,
            "HUB_ENV": "development",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'conformance.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "HUB_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "HUB_PLUGINS_AUTOLOAD": "0",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "REDIS_URL": sync_redis_url,
            "HUB_QUEUE": f"conformance-{uuid.uuid4().hex[:10]}",  # no worker elsewhere takes these jobs
            **self.settings,
            **live_settings,
        }
        app = create_app(config, plugins=[(self.plugin_name or self.platform, self.plugin)])
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    # ----- helpers -------------------------------------------------------------------------------------

    def _site(self, app: Flask, credentials: Mapping[str, Any]) -> int:
        """A connected site with the live credentials, stored the way the hub stores them."""
        from hub import credentials as stored_credentials
        from hub.extensions import db
        from hub.models import Site, User
        from hub.plugins import current_host

        with app.app_context():
            user = User(email="conformance@example.com", password_hash="!")  # noqa: S106 - no login
            db.session.add(user)
            db.session.flush()
            site = Site(owner_id=user.id, name="Conformance shop")
            db.session.add(site)
            db.session.flush()
            stored_credentials.save(current_host(), site, self.platform, dict(credentials))
            site.connection_status = "connected"
            db.session.commit()
            return site.id

    def _sync(self, app: Flask, site_id: int, kind: str) -> Any:
        """Start a run of ``kind`` and execute it in this process, as a worker would; return it as stored."""
        from hub.extensions import db
        from hub.models import RunKind, Site, SyncRun
        from hub.sync import engine, runs

        with app.app_context():
            run, created = runs.start_run(db.session.get(Site, site_id), RunKind(kind))
            assert created, "another run of the site was already active"
            engine.execute(run.id, run.job_id)
            db.session.remove()
            stored = db.session.get(SyncRun, run.id)
            db.session.expunge(stored)
            return stored

    def _stored(self, app: Flask, site_id: int) -> dict[str, str]:
        """The site's live (not archived) products: platform id → name."""
        from hub.extensions import db
        from hub.models import Product

        with app.app_context():
            rows = db.session.execute(
                select(Product.platform_id, Product.name).where(
                    Product.site_id == site_id, Product.archived_at.is_(None)
                )
            )
            return {platform_id: name for platform_id, name in rows}

    def _direct(self, credentials: dict[str, Any], live_settings: Mapping[str, Any]) -> Walk:
        """A full fetch straight from the plugin, to compare the stored result with."""
        from hub.plugins import PluginHost

        host = PluginHost(autoload=False, plugins=[(self.plugin_name or self.platform, self.plugin)])
        walk = self.walk(host, credentials, FetchRequest(), self.context(live_settings))
        if not walk.finished:
            pytest.skip(f"the catalog spans more than {self.max_live_pages} pages: cannot compare")
        return walk

    @staticmethod
    def _readable(walk: Walk) -> set[str]:
        return {product.id for page in walk.pages for product in page.products}

    @staticmethod
    def _unreadable(walk: Walk) -> set[str]:
        return {e.product_id for page in walk.pages for e in page.errors if e.product_id}

    # ----- checks --------------------------------------------------------------------------------------

    def test_sync_full_stores_the_catalog(
        self, sync_app: Flask, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """A full sync through the engine stores exactly the products a direct full fetch yields."""
        site_id = self._site(sync_app, live_credentials)
        run = self._sync(sync_app, site_id, "full")
        direct = self._direct(live_credentials, live_settings)
        expected_state = "partially_failed" if self._unreadable(direct) else "succeeded"
        assert run.state == expected_state, f"{run.state}: {run.error_message}"
        stored = set(self._stored(sync_app, site_id))
        assert stored == self._readable(direct), (
            f"stored but not in the store: {sorted(stored - self._readable(direct))[:10]}; "
            f"in the store but not stored: {sorted(self._readable(direct) - stored)[:10]}"
        )

    def test_sync_incremental_and_reconcile_follow_the_store(
        self,
        sync_app: Flask,
        live_credentials: dict[str, Any],
        live_settings: Mapping[str, Any],
        catalog_admin: CatalogAdmin,
    ) -> None:
        """After a full sync: a rename and a new product reach the hub incrementally; deletions by reconcile."""
        site_id = self._site(sync_app, live_credentials)
        assert self._sync(sync_app, site_id, "full").state in DONE
        ids = catalog_admin.product_ids()
        if len(ids) < 4:
            pytest.skip("the live store needs at least 4 products")
        renamed = ids[-1]
        catalog_admin.update_product(renamed, "Renamed by the conformance sync check")
        created = str(catalog_admin.create_product("Created by the conformance sync check"))

        run = self._sync(sync_app, site_id, "incremental")
        assert run.state in DONE, f"{run.state}: {run.error_message}"
        stored = self._stored(sync_app, site_id)
        assert created in stored, "the incremental sync did not store the new product"
        assert stored.get(renamed) == "Renamed by the conformance sync check", (
            "the rename did not reach the hub"
        )

        deleted = {ids[0], ids[len(ids) // 2]}
        for product_id in sorted(deleted):
            catalog_admin.delete_product(product_id)
        run = self._sync(sync_app, site_id, "reconcile")
        assert run.state in DONE, f"{run.state}: {run.error_message}"
        direct = self._direct(live_credentials, live_settings)
        stored_ids = set(self._stored(sync_app, site_id))
        assert not deleted & stored_ids, (
            f"deleted products still live in the hub: {sorted(deleted & stored_ids)}"
        )
        assert stored_ids == self._readable(direct), (
            f"after the reconcile the hub has {len(stored_ids)} live products, the store "
            f"{len(self._readable(direct))} readable ones"
        )
