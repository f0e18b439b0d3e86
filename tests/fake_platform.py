"""A small platform plugin built only on the contract (not on any real platform), for engine tests.

Its catalog lives in memory; every behaviour an engine must survive is a switch: which optional hooks and
capabilities exist, a stop landing in a given stage, an error of a given kind, hostile values.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marshmallow import Schema, fields

from hub.contract import (
    Brand,
    Capability,
    Category,
    ConnectionResult,
    ErrorKind,
    FetchMode,
    Image,
    PlatformError,
    PlatformInfo,
    Product,
    ProductPage,
    RecordError,
    StopRequested,
    StoreInfo,
    Variant,
    hookimpl,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeCredentials(Schema):
    token = fields.String(required=True, metadata={"label": "Token", "secret": True})


@dataclass
class FakePlatform:
    """A fake store and its plugin. Register an instance with the host under the name ``fake``."""

    size: int = 30
    page_size: int = 7
    optional: set[str] = field(
        default_factory=lambda: {
            "list_product_ids",
            "fetch_categories",
            "fetch_brands",
            "fetch_products_by_ids",
        }
    )
    capabilities: set[Capability] = field(
        default_factory=lambda: {Capability.INCREMENTAL, Capability.EXACT_PAGING, Capability.TAXONOMY,
                                 Capability.LIST_IDS, Capability.FETCH_BY_IDS}
    )  # fmt: skip
    #: stage -> what happens there: "stop" (raise StopRequested), "end" (iterator just ends, as a stop), or
    #: an ErrorKind (raise PlatformError), or a callable run at that point
    events: dict[str, object] = field(default_factory=dict)
    #: products whose records are hostile: id -> overrides of Product fields
    hostile: dict[str, dict] = field(default_factory=dict)
    #: ids deleted from the store while the walk reads its last page
    delete_during_walk: list[str] = field(default_factory=list)
    #: when set, the walk refreshes its token to this value (through ``context.save_credentials``)
    refreshed_token: str | None = None
    #: seconds the fake's "modified since" listing lags behind edits (PlatformInfo.incremental_lag_seconds)
    lag: float = 0.0
    #: ids a full walk misses (a page-number platform whose pages shifted)
    missed_by_walk: set[str] = field(default_factory=set)
    #: files that carry across processes (a forked fetch process has its own copy of this object):
    #: ``walk_started`` is created when a product walk starts; with ``token_file``, the category listing
    #: refreshes the token to ``refreshed_in_taxonomy``, writes it there and revokes the old one, and the
    #: product walk waits for that file, then refuses any other token
    walk_started: str | None = None
    token_file: str | None = None
    refreshed_in_taxonomy: str | None = None
    #: the brand listing refreshes the token to this (saved through ``context.save_credentials``)
    refreshed_in_brands: str | None = None
    #: set when the brand listing starts (the hub lists brands and categories at the same time)
    brands_started: threading.Event = field(default_factory=threading.Event)
    calls: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.products = {str(i): EPOCH + timedelta(minutes=i) for i in range(1, self.size + 1)}
        self.names = {pid: f"Product {pid}" for pid in self.products}

    # ----- the store -------------------------------------------------------------------------------

    def touch(self, pid: str, name: str | None = None) -> None:
        self.products[pid] = datetime.now(UTC)
        if name:
            self.names[pid] = name

    def record(self, pid: str) -> Product:
        base = Product(
            id=pid,
            name=self.names[pid],
            sku=f"SKU-{pid}",
            price="10.00",
            brand_ids=["b1"],
            category_ids=["c1"],
            date_modified=self.products[pid],
            variants=[Variant(id=f"{pid}-v", sku=f"SKU-{pid}-V", price="9.50", in_stock=True)],
            images=[Image(id=f"{pid}-i", url=f"https://img.example/{pid}.png")],
            raw={"id": pid},
        )
        for key, value in self.hostile.get(pid, {}).items():
            setattr(base, key, value)
        return base

    def _event(self, stage: str, context) -> None:
        event = self.events.get(stage)
        if event is None:
            return
        if callable(event) and not isinstance(event, ErrorKind):
            event()
        elif event == "stop":
            raise StopRequested
        elif isinstance(event, ErrorKind):
            raise PlatformError(event, f"fake {event} failure; do what the message says")

    # ----- the plugin ------------------------------------------------------------------------------

    @hookimpl
    def platform_info(self) -> PlatformInfo:
        return PlatformInfo(
            key="fake",
            display_name="Fake",
            contract_version=2,
            capabilities=frozenset(self.capabilities),
            incremental_lag_seconds=self.lag,
        )

    @hookimpl
    def credential_schema(self, platform):
        return FakeCredentials

    @hookimpl
    def normalize_credentials(self, platform, data):
        return FakeCredentials().load(data)

    @hookimpl
    def test_connection(self, platform, credentials, context):
        return ConnectionResult(ok=True, message="Fake reached.", store=StoreInfo(name="Fake"))

    @hookimpl
    def fetch_products(self, platform, credentials, request, context) -> Iterator[ProductPage]:
        self.calls.append(f"fetch_products:{request.mode}:{request.cursor}")
        ids = sorted(self.products, key=int)
        if request.mode == FetchMode.INCREMENTAL:
            ids = [i for i in ids if self.products[i] >= request.modified_since]
        start = int(request.cursor or 0)
        if self.walk_started:
            Path(self.walk_started).touch()
        if self.token_file:
            self._wait_for_refresh(credentials, context)
        if self.refreshed_token:
            # the issued token and its expiry: the expiry is no field of the schema (kept hidden, encrypted)
            context.save_credentials(
                {**credentials, "token": self.refreshed_token, "token_expires_at": "2026-12-03T00:00:00Z"}
            )
        while start < len(ids):
            context.check_stop()
            chunk = ids[start : start + self.page_size]
            start += len(chunk)
            if start >= len(ids):
                for gone in self.delete_during_walk:
                    self.products.pop(gone, None)
                self._event("last page", context)
            elif start > self.page_size:
                self._event("products", context)
                if self.events.get("products") == "end":
                    return
            yield ProductPage(
                products=[
                    self.record(i)
                    for i in chunk
                    if (i in self.products or i in self.delete_during_walk) and i not in self.missed_by_walk
                ],
                cursor=str(start) if start < len(ids) else None,
                total=len(self.products) if request.mode == FetchMode.FULL else None,
                requests=1,
            )

    def _wait_for_refresh(self, credentials, context) -> None:
        token = Path(str(self.token_file))
        deadline = time.monotonic() + 10.0
        while not token.exists() and time.monotonic() < deadline:
            context.check_stop()
            time.sleep(0.01)
        if not token.exists() or credentials.get("token") != token.read_text():
            raise PlatformError(ErrorKind.AUTH, "fake: this token was revoked by a refresh")


def build(**options) -> object:
    """A FakePlatform exposing only the optional hooks in ``options["optional"]``."""
    fake = FakePlatform(**options)

    class Plugin:
        pass

    plugin = Plugin()
    for name in (
        "platform_info",
        "credential_schema",
        "normalize_credentials",
        "test_connection",
        "fetch_products",
    ):
        setattr(plugin, name, getattr(fake, name))

    def list_product_ids(platform, credentials, context):
        fake.calls.append("list_product_ids")
        fake._event("listing ids", context)
        for pid in sorted(fake.products, key=int):
            context.check_stop()
            if fake.events.get("listing ids") == "end":
                return
            context.record_usage(requests=1)
            yield pid

    def fetch_categories(platform, credentials, context):
        fake.calls.append("fetch_categories")
        fake._event("categories", context)
        if fake.refreshed_in_taxonomy:
            context.save_credentials({**credentials, "token": fake.refreshed_in_taxonomy})
            Path(str(fake.token_file)).write_text(fake.refreshed_in_taxonomy)
        yield Category(id="c1", name="Mugs")
        if fake.events.get("categories") == "skip":
            yield RecordError(None, "a category was skipped: name is not text")
            return
        if fake.events.get("categories") == "surrogate":  # what Python's json module makes of "\ud800"
            yield Category(id="c3", name="Cups \ud800")
        yield Category(id="c2", name="Plates")

    def fetch_brands(platform, credentials, context):
        fake.calls.append("fetch_brands")
        fake.brands_started.set()
        if fake.refreshed_in_brands:
            context.save_credentials({**credentials, "token": fake.refreshed_in_brands})
        yield Brand(id="b1", name="Acme")

    def fetch_products_by_ids(platform, credentials, ids, context):
        fake.calls.append(f"fetch_products_by_ids:{len(ids)}")
        yield ProductPage(products=[fake.record(i) for i in ids if i in fake.products], requests=1)

    for func in (list_product_ids, fetch_categories, fetch_brands, fetch_products_by_ids):
        if func.__name__ in fake.optional:
            setattr(plugin, func.__name__, hookimpl(func))
    plugin.fake = fake
    return plugin
