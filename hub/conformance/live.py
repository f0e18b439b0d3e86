"""Checks against a live store (a demo store or a mock): connection test, paging, resume, stop."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from hub.conformance.base import ConformanceBase
from hub.contract import (
    ConnectionResult,
    FetchRequest,
    Product,
    ProductPage,
    RecordError,
    StoreInfo,
)
from hub.plugins import PluginHost


class LiveChecks(ConformanceBase):
    """The checks that run when the subclass provides ``live_credentials``; skipped otherwise."""

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
        """With context.should_stop() true from the start, the fetch returns after at most one page."""
        context = self.context(live_settings, should_stop=lambda: True)
        pages, _ = self.fetch(conformance_host, live_credentials, FetchRequest(), context, max_pages=3)
        assert len(pages) <= 1, f"the fetch went on for {len(pages)} pages after should_stop() said stop"

    def test_live_list_product_ids(
        self, conformance_host: PluginHost, live_credentials: dict[str, Any], live_settings: Mapping[str, Any]
    ) -> None:
        """When implemented, list_product_ids yields string ids, the same set a full fetch yields."""
        if not conformance_host.supports(self.platform, "list_product_ids"):
            pytest.skip("the plugin does not implement list_product_ids")
        context = self.context(live_settings)
        listed = list(
            conformance_host.call(
                self.platform, "list_product_ids", credentials=live_credentials, context=context
            )
        )
        assert all(isinstance(pid, str) and pid for pid in listed), "ids must be non-empty strings"
        pages, finished = self.fetch(conformance_host, live_credentials, FetchRequest(), context)
        if finished:
            fetched = {product.id for page in pages for product in page.products}
            assert set(listed) == fetched, "list_product_ids and fetch_products disagree on the catalog"
