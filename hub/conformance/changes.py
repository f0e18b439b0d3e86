"""Live checks that change the store's catalog while the plugin reads it, through a CatalogAdmin.

They prove what the engine relies on beyond a static store:

* with ``Capability.EXACT_PAGING``, deleting products between pages loses no surviving product, whether
  the walk goes on or resumes from the last page's cursor in a new call (as after a restart);
* with ``Capability.INCREMENTAL``, an incremental fetch returns exactly the products changed since its
  ``modified_since`` (inclusive), no more, no fewer.

Each needs the ``catalog_admin`` fixture (by default the demo store's ``DemoStoreHandle.admin``) and
skips, saying why, when the plugin does not declare the capability or the store cannot be changed.
Every check uses a store of its own (the default fixtures start a fresh demo store per test).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.conformance.base import ConformanceBase, Walk, close
from hub.contract import Capability, CatalogAdmin, FetchMode, FetchRequest, PlatformInfo
from hub.plugins import PluginHost

#: products deleted from the first page at most (deleting already-read products is what shifts offsets)
MAX_DELETED_FROM_FIRST_PAGE = 10


class CatalogChangeChecks(ConformanceBase):
    """The checks that create, rename and delete products during a fetch."""

    def _require(self, capability: Capability) -> PlatformInfo:
        info = self.plugin.platform_info()
        if not info.has(capability):
            pytest.skip(f"the plugin does not declare Capability.{capability.name}")
        return info

    def _assert_same_store(self, admin: CatalogAdmin, walk: Walk) -> None:
        """The admin must change the very store the credentials reach, or every finding would be noise."""
        listed = set(admin.product_ids())
        assert listed == walk.ids(), (
            "catalog_admin.product_ids() and a full fetch disagree before any change "
            f"(only in the admin: {sorted(listed - walk.ids())[:5]}, only fetched: "
            f"{sorted(walk.ids() - listed)[:5]}): is catalog_admin an admin of the live_credentials' store?"
        )

    @pytest.mark.parametrize("after_deletion", ["continue", "resume"])
    def test_live_deletion_between_pages_loses_no_survivor(
        self,
        conformance_host: PluginHost,
        live_credentials: dict[str, Any],
        live_settings: Mapping[str, Any],
        catalog_admin: CatalogAdmin,
        after_deletion: str,
    ) -> None:
        """Products deleted after the first page (read ones and unread ones) make no survivor go missing.

        Deleting products that were already read shifts every later one back under offset or page-number
        paging: a plugin that declares EXACT_PAGING must not skip them. ``continue`` keeps reading the
        same iterator; ``resume`` starts a new fetch from the first page's cursor, as the hub does after a
        restart.
        """
        self._require(Capability.EXACT_PAGING)
        context = self.context(live_settings)
        before = self.walk(conformance_host, live_credentials, FetchRequest(), context)
        if not before.finished:
            pytest.skip(f"the catalog spans more than {self.max_live_pages} pages: give it fewer products")
        self._assert_same_store(catalog_admin, before)
        if len(before.pages) < 3:
            pytest.skip(
                "the catalog fits in fewer than 3 pages: give it more products or a smaller page size"
            )

        iterator = self.fetch_iter(conformance_host, live_credentials, FetchRequest(), context)
        first = next(iterator)
        assert first.cursor is not None, "the first page of a several-page catalog has no cursor"
        read = Walk(pages=[first]).ids()
        unread = sorted(before.ids() - read)
        # every product read so far but the last: the widest shift that still leaves the last one read
        # in place (a guard may look for it), wider than any fixed overlap a plugin might rely on
        in_order = [p.id for p in first.products] + [e.product_id for e in first.errors if e.product_id]
        read_victims = in_order[: max(1, min(MAX_DELETED_FROM_FIRST_PAGE, len(in_order) - 1))]
        victims = {*read_victims, unread[len(unread) // 2]}  # and one the walk has not reached yet
        for product_id in sorted(victims):
            catalog_admin.delete_product(product_id)

        if after_deletion == "resume":
            close(iterator)  # as a restart would: the next fetch starts from the cursor alone
            rest = self.walk(conformance_host, live_credentials, FetchRequest(cursor=first.cursor), context)
        else:
            rest = self.walk(conformance_host, live_credentials, FetchRequest(), context, iterator=iterator)
        assert rest.finished, "the fetch did not run to its end after the deletions"
        survivors = before.ids() - victims
        lost = survivors - read - rest.ids()
        assert not lost, (
            f"deleting {len(victims)} products after the first page lost {len(lost)} surviving products "
            f"({after_deletion}): {sorted(lost)[:10]}. Page by key, or guard offset paging against shifts."
        )

    def test_live_incremental_returns_exactly_what_changed(
        self,
        conformance_host: PluginHost,
        live_credentials: dict[str, Any],
        live_settings: Mapping[str, Any],
        catalog_admin: CatalogAdmin,
    ) -> None:
        """Rename two products and create one: an incremental fetch since just before returns those three.

        ``modified_since`` is a whole second after anything that existed was last changed, so platforms
        that keep times to the second are judged fairly; the bound is inclusive, checked by fetching again
        from a changed product's own ``date_modified``.
        """
        self._require(Capability.INCREMENTAL)
        context = self.context(live_settings)
        ids = catalog_admin.product_ids()
        if len(ids) < 3:
            pytest.skip("the live store needs at least 3 products")
        since = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        time.sleep(max(0.0, (since - datetime.now(UTC)).total_seconds()) + 0.05)
        renamed = [ids[0], ids[-1]]
        for product_id in renamed:
            catalog_admin.update_product(product_id, f"Renamed {product_id} by the conformance suite")
        created = catalog_admin.create_product("Created by the conformance suite")
        changed = {*renamed, str(created)}

        request = FetchRequest(mode=FetchMode.INCREMENTAL, modified_since=since)
        walk = self.walk(conformance_host, live_credentials, request, context)
        assert walk.finished, "the incremental fetch did not run to its end"
        fetched = walk.ids()
        assert changed <= fetched, (
            f"the incremental fetch missed changed products {sorted(changed - fetched)}"
        )
        assert fetched <= changed, (
            f"the incremental fetch returned unchanged products {sorted(fetched - changed)[:10]} "
            f"(modified_since={since.isoformat()})"
        )
        products = {p.id: p for page in walk.pages for p in page.products}
        parsed = changed & set(products)
        assert parsed, "every changed product came back as a RecordError"
        for product_id in parsed:
            modified = products[product_id].date_modified
            assert modified is not None and modified.tzinfo is not None, (
                f"product {product_id}: date_modified must be an aware UTC time, got {modified!r}"
            )
            assert modified >= since, f"product {product_id} changed after {since} but says {modified}"
        newest = max(products[pid].date_modified for pid in parsed)
        again = self.walk(
            conformance_host,
            live_credentials,
            FetchRequest(mode=FetchMode.INCREMENTAL, modified_since=newest),
            context,
        )
        at_bound = {pid for pid in parsed if products[pid].date_modified == newest}
        assert at_bound <= again.ids(), (
            f"modified_since is inclusive: products modified exactly at {newest.isoformat()} must be "
            f"returned, missing {sorted(at_bound - again.ids())}"
        )
