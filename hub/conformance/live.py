"""Checks against a live store (a demo store or a mock): connection, paging, resume, stop, ids, taxonomy."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from hub.conformance.base import ConformanceBase, close, closing
from hub.contract import (
    Brand,
    Category,
    ConnectionResult,
    DemoStoreHandle,
    FetchRequest,
    PluginContext,
    Product,
    ProductPage,
    RecordError,
    StopRequested,
    StoreInfo,
)
from hub.plugins import PluginHost


class LiveChecks(ConformanceBase):
    """The checks that run when the subclass provides ``live_credentials``; skipped otherwise."""

    def test_demo_store_handle(self, conformance_host: PluginHost, demo_handle: DemoStoreHandle) -> None:
        """The demo store's credentials are already normalized and its settings are the plugin's own.

        The hub applies ``DemoStoreHandle.settings`` to its configuration and hands a plugin only the
        keys with its prefix: a setting outside it would never reach the plugin.
        """
        credentials = dict(demo_handle.credentials)
        assert self.normalize(conformance_host, credentials) == credentials, (
            "DemoStoreHandle.credentials must be what normalize_credentials returns"
        )
        prefix = conformance_host.platform(self.platform).prefix
        stray = sorted(key for key in demo_handle.settings if not key.startswith(prefix))
        assert not stray, f"DemoStoreHandle.settings outside the plugin's prefix {prefix!r}: {stray}"
        assert isinstance(demo_handle.base_url, str) and demo_handle.base_url.startswith("http")

    def test_live_connection_succeeds(
        self,
        conformance_host: PluginHost,
        live_credentials: dict[str, Any],
        live_settings: Mapping[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Working credentials give ok=True and what the store told, with no secret in it or the log."""
        caplog.set_level(logging.DEBUG)
        result = conformance_host.call(
            self.platform,
            "test_connection",
            credentials=live_credentials,
            context=self.context(live_settings),
        )
        assert isinstance(result, ConnectionResult), f"test_connection returned {result!r}"
        assert result.ok is True, f"working credentials failed: {result.error_kind}: {result.message}"
        assert result.error_kind is None
        assert isinstance(result.message, str) and result.message.strip()
        assert result.store is None or isinstance(result.store, StoreInfo)
        secrets = self.secret_values(live_credentials)
        self.assert_result_has_no_secret(result, secrets)
        self.assert_no_secret("the log", caplog.text, secrets)

    def test_live_connection_rejects_wrong_secrets(
        self,
        conformance_host: PluginHost,
        live_credentials: dict[str, Any],
        live_settings: Mapping[str, Any],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """Wrong but well-formed secrets give ok=False with a kind the merchant must act on."""
        wrong = self.rejected_credentials(live_credentials)
        caplog.set_level(logging.DEBUG)
        result = conformance_host.call(
            self.platform, "test_connection", credentials=wrong, context=self.context(live_settings)
        )
        self.assert_failed_result(result)
        assert result.error_kind.needs_merchant, f"a rejected credential is not transient: {result!r}"
        secrets = self.secret_values(live_credentials, wrong)
        self.assert_result_has_no_secret(result, secrets)
        self.assert_no_secret("the log", caplog.text, secrets)

    # ----- catalog --------------------------------------------------------------------------------------

    def test_live_fetch_products_pages(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """A full fetch yields well-formed ProductPages; only the last may have no cursor."""
        pages, finished = self.fetch(
            conformance_host, live_credentials, FetchRequest(), self.context(live_settings)
        )
        assert pages, "the live store yielded no page: give it products"
        for number, page in enumerate(pages):
            where = f"page {number}"
            assert isinstance(page, ProductPage), f"{where} is {type(page).__name__}, not ProductPage"
            assert isinstance(page.products, list) and isinstance(page.errors, list)
            for product in page.products:
                assert isinstance(product, Product), f"{where}: {product!r} is not a Product"
                assert isinstance(product.id, str) and product.id, f"{where}: product id {product.id!r}"
                assert isinstance(product.name, str), f"{where}: product {product.id} has no name"
            for error in page.errors:
                assert isinstance(error, RecordError), f"{where}: {error!r} is not a RecordError"
            assert page.cursor is None or (isinstance(page.cursor, str) and page.cursor), f"{where} cursor"
            if page.cursor is None:
                assert number == len(pages) - 1, f"{where} has no cursor but more pages followed"
            assert page.total is None or isinstance(page.total, int)
            assert page.rate_limit_wait >= 0 and page.requests >= 0
        assert sum(len(p.products) for p in pages) > 0, "the live store yielded no product"
        if finished:
            # a page with a cursor says "more may follow": ending the iterator after it would make
            # the hub resume forever from the same point
            assert pages[-1].cursor is None, "the fetch ended but the last page still has a cursor"

    def test_live_fetch_products_resumes_from_cursor(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """Resuming from page k's cursor loses nothing after it and repeats nothing before it."""
        context = self.context(live_settings)
        pages, finished = self.fetch(conformance_host, live_credentials, FetchRequest(), context)
        resumable = [i for i, page in enumerate(pages) if page.cursor is not None]
        if not resumable:
            pytest.skip("the live store fits in one page: give it more products or a smaller page size")
        # prefer the second page's cursor, so that "nothing before it" is not vacuous
        k = resumable[1] if len(resumable) > 1 else resumable[0]
        ids = [[product.id for product in page.products] for page in pages]
        resumed_pages, resumed_finished = self.fetch(
            conformance_host, live_credentials, FetchRequest(cursor=pages[k].cursor), context
        )
        resumed = {product.id for page in resumed_pages for product in page.products}
        before = {pid for page_ids in ids[: k if self.resume_may_repeat else k + 1] for pid in page_ids}
        repeated = resumed & before
        assert not repeated, (
            f"resuming after page {k} yielded earlier products again: {sorted(repeated)[:10]}"
        )
        after = {pid for page_ids in ids[k + 1 :] for pid in page_ids}
        if finished and resumed_finished:
            lost = after - resumed
            assert not lost, f"resuming after page {k} lost products: {sorted(lost)[:10]}"
        elif k + 1 < len(ids):
            lost = set(ids[k + 1]) - resumed
            assert not lost, f"resuming after page {k} lost products of page {k + 1}: {sorted(lost)[:10]}"

    def test_live_fetch_products_stops_when_asked(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """With context.should_stop() true from the start, the fetch ends (or raises StopRequested) at once."""
        context = self.context(live_settings, should_stop=lambda: True)
        walk = self.walk(conformance_host, live_credentials, FetchRequest(), context, max_pages=3)
        assert len(walk.pages) <= 1, (
            f"the fetch went on for {len(walk.pages)} pages after should_stop() said stop"
        )
        assert walk.finished or walk.stopped, "the fetch neither ended nor raised StopRequested"

    def test_live_fetch_products_stops_mid_walk(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """A stop requested after the first page ends the fetch promptly: the iterator ends or raises."""
        stop = threading.Event()
        context = self.context(live_settings, should_stop=stop.is_set)
        iterator = self.fetch_iter(conformance_host, live_credentials, FetchRequest(), context)
        first = next(iterator)
        if first.cursor is None:
            close(iterator)
            pytest.skip("the live store fits in one page: give it more products or a smaller page size")
        stop.set()
        walk = self.walk(conformance_host, live_credentials, FetchRequest(), context, iterator=iterator)
        assert walk.finished or walk.stopped
        assert len(walk.pages) <= self.pages_after_stop, (
            f"the fetch yielded {len(walk.pages)} more pages after should_stop() turned True "
            f"(at most {self.pages_after_stop}: stop between requests)"
        )

    def _list_ids(
        self, host: PluginHost, credentials: dict[str, Any], context: PluginContext
    ) -> tuple[list[str], bool]:
        """The ids ``list_product_ids`` yields, and whether it raised StopRequested."""
        ids: list[str] = []
        iterator = iter(
            host.call(self.platform, "list_product_ids", credentials=credentials, context=context)
        )
        with closing(iterator):
            try:
                ids.extend(iterator)
            except StopRequested:
                return ids, True
        return ids, False

    def test_live_list_product_ids(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """list_product_ids yields string ids, the set a full fetch sees, and reports its requests."""
        if not conformance_host.supports(self.platform, "list_product_ids"):
            pytest.skip("the plugin does not implement list_product_ids")
        usage: list[dict[str, float]] = []
        context = self.context(live_settings, record_usage=lambda **counts: usage.append(counts))
        listed, _ = self._list_ids(conformance_host, live_credentials, context)
        assert all(isinstance(pid, str) and pid for pid in listed), "ids must be non-empty strings"
        assert len(listed) == len(set(listed)), "list_product_ids yielded an id twice"
        assert sum(u.get("requests", 0) for u in usage) >= 1, (
            "list_product_ids reported no request: call context.record_usage(requests=..., rate_limit_wait=...)"
        )
        walk = self.walk(conformance_host, live_credentials, FetchRequest(), self.context(live_settings))
        if not walk.finished:
            pytest.skip(f"the catalog spans more than {self.max_live_pages} pages: cannot compare")
        fetched = walk.ids()
        assert set(listed) == fetched, (
            "list_product_ids and fetch_products disagree on the catalog: "
            f"only listed {sorted(set(listed) - fetched)[:10]}, only fetched {sorted(fetched - set(listed))[:10]}"
        )

    def test_live_list_product_ids_stops_when_asked(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """With should_stop() true from the start, the id listing makes at most one request, then ends.

        The hub archives products missing from a listing only when the listing ran to its end
        without a stop, so ending early (or raising StopRequested) is always safe.
        """
        if not conformance_host.supports(self.platform, "list_product_ids"):
            pytest.skip("the plugin does not implement list_product_ids")
        usage: list[dict[str, float]] = []
        context = self.context(
            live_settings, should_stop=lambda: True, record_usage=lambda **counts: usage.append(counts)
        )
        self._list_ids(conformance_host, live_credentials, context)
        requests = sum(u.get("requests", 0) for u in usage)
        assert requests <= 1, f"list_product_ids made {requests} requests after should_stop() said stop"

    def test_live_taxonomy(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """fetch_categories / fetch_brands yield records (or RecordErrors) with string ids, each id once."""
        hooks = [
            h for h in ("fetch_categories", "fetch_brands") if conformance_host.supports(self.platform, h)
        ]
        if not hooks:
            pytest.skip("the plugin lists no taxonomy (fetch_categories / fetch_brands are optional)")
        for hook, kind in (("fetch_categories", Category), ("fetch_brands", Brand)):
            if hook not in hooks:
                continue
            items = list(
                conformance_host.call(
                    self.platform, hook, credentials=live_credentials, context=self.context(live_settings)
                )
            )
            records = [item for item in items if isinstance(item, kind)]
            strays = [item for item in items if not isinstance(item, kind | RecordError)]
            assert not strays, f"{hook} yielded {strays[:3]!r}: only {kind.__name__} or RecordError"
            ids = [record.id for record in records]
            assert all(isinstance(i, str) and i for i in ids), f"{hook}: ids must be non-empty strings"
            assert len(ids) == len(set(ids)), f"{hook} yielded an id twice"
            for record in records:
                assert isinstance(record.name, str), f"{hook}: {record.id} has no name"
                parent = getattr(record, "parent_id", None)
                assert parent is None or (isinstance(parent, str) and parent), f"{hook}: parent_id {parent!r}"
