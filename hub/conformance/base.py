"""What a plugin's conformance test class describes, and the helpers its checks share."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import marshmallow
import pytest

from hub.conformance.tools import scramble
from hub.contract import (
    REQUIRED_HOOKS,
    CatalogAdmin,
    ConnectionResult,
    DemoStoreHandle,
    ErrorKind,
    FetchRequest,
    PluginContext,
    ProductPage,
    StopRequested,
)
from hub.plugins import PluginHost

#: the field metadata keys the hub reads (see ``hub.contract.credential_schema``)
KNOWN_METADATA_KEYS = frozenset({"label", "help", "placeholder", "secret", "order"})
#: secret values shorter than this are not searched for in messages and logs: "1" is everywhere
MIN_SECRET_LENGTH = 4


def close(iterator: Iterator[Any]) -> None:
    """Close a hook's generator early (the plugin releases its session); a list's iterator has no close."""
    getattr(iterator, "close", lambda: None)()


def closing(iterator: Iterator[Any]) -> contextlib.AbstractContextManager[Any]:
    """Close the iterator when the block ends, however it ends."""
    return contextlib.closing(iterator) if hasattr(iterator, "close") else contextlib.nullcontext()


@dataclass
class Walk:
    """What a fetch through ``fetch_products`` gave: its pages and how it ended."""

    pages: list[ProductPage] = field(default_factory=list)
    finished: bool = False  #: the iterator ran to its end (no page limit, no stop)
    stopped: bool = False  #: the iterator raised StopRequested

    def ids(self) -> set[str]:
        """Every product id the walk saw: products, and records reported as errors (the hub saw them)."""
        return {
            *(product.id for page in self.pages for product in page.products),
            *(error.product_id for page in self.pages for error in page.errors if error.product_id),
        }


class ConformanceBase:
    """Base class of a plugin's conformance tests; subclass it as ``Test<Platform>Conformance``.

    Set in the subclass:

    * ``plugin``: the plugin object, as the entry point loads it (usually the plugin module);
    * ``platform``: the key its ``platform_info()`` declares;
    * :meth:`valid_credentials` and :meth:`invalid_credentials` (required);
    * optionally ``settings`` (hub configuration keys given to every hook through
      :class:`~hub.contract.PluginContext`, e.g. to turn retries' backoff down to 0 so the offline
      network test is quick), ``demo_settings``, ``required_hooks``, ``max_live_pages``,
      ``resume_may_repeat``, ``pages_after_stop``, ``extra_metadata_keys``;
    * optionally the fixtures ``live_credentials``, ``live_settings`` and ``catalog_admin`` for the live
      tests. By default all three come from the plugin's ``demo_store`` hook (a fresh store per test);
      override ``live_credentials`` and ``live_settings`` together to use another store, and then
      ``catalog_admin`` too (a :class:`~hub.contract.CatalogAdmin` of *that* store), or the checks that
      change the catalog skip.
    """

    #: the plugin object (module or instance) exactly as the ``claudery_hub.plugins`` entry point loads it
    plugin: ClassVar[Any] = None
    #: the platform key the plugin declares
    platform: ClassVar[str] = ""
    #: the name it is registered under in the test host (the entry-point name); default: the key
    plugin_name: ClassVar[str] = ""
    #: hub configuration given to every hook call, live or not
    settings: ClassVar[Mapping[str, Any]] = {}
    #: hooks the hub cannot sync a store without
    required_hooks: ClassVar[frozenset[str]] = frozenset({"platform_info", *REQUIRED_HOOKS})
    #: at most this many pages are read from a live store per fetch (keeps a big store's test short)
    max_live_pages: ClassVar[int] = 20
    #: False: resuming from page k's cursor repeats no product of pages 0..k (on a store that does not
    #: change during the test). True: only pages before k are checked; set it, with a comment saying
    #: why, when the platform's cursors overlap at page boundaries (the contract allows repeats)
    resume_may_repeat: ClassVar[bool] = False
    #: metadata keys the plugin uses on purpose besides the hub's; any other key fails as a likely typo
    extra_metadata_keys: ClassVar[frozenset[str]] = frozenset()
    #: settings for the live checks against the plugin's demo store (given to its ``demo_store`` hook
    #: too), on top of ``settings`` and the handle's own: e.g. a small page size, so walks span pages
    demo_settings: ClassVar[Mapping[str, Any]] = {}
    #: pages a fetch may still yield after ``should_stop()`` turned True mid-walk (one that was already
    #: requested); raise it, with a comment, for a plugin that prefetches pages concurrently
    pages_after_stop: ClassVar[int] = 1

    # ----- what the subclass describes ---------------------------------------------------------------

    def valid_credentials(self) -> list[dict[str, str]]:
        """Raw credentials (field name → string as pasted) that must normalize without error.

        Include the messy forms merchants paste (URLs instead of ids, header names, quotes); the suite
        adds surrounding whitespace itself.
        """
        raise NotImplementedError(f"{type(self).__name__} must define valid_credentials()")

    def invalid_credentials(self) -> list[tuple[dict[str, str], Iterable[str]]]:
        """``(raw credentials, field names expected in the ValidationError)`` pairs."""
        raise NotImplementedError(f"{type(self).__name__} must define invalid_credentials()")

    def rejected_credentials(self, live_credentials: dict[str, Any]) -> dict[str, Any]:
        """Well-formed credentials the live store must refuse: by default every secret scrambled."""
        secrets = self.secret_fields()
        if not any(live_credentials.get(name) for name in secrets):
            pytest.skip("the credentials have no secret to get wrong; override rejected_credentials()")
        return {
            key: scramble(value) if key in secrets and isinstance(value, str) else value
            for key, value in live_credentials.items()
        }

    @pytest.fixture
    def demo_handle(self, conformance_host: PluginHost) -> Iterator[DemoStoreHandle]:
        """A fresh store from the plugin's ``demo_store`` hook, stopped after the test; skips without one."""
        if not conformance_host.supports(self.platform, "demo_store"):
            pytest.skip("no live store: implement demo_store, or override the live_credentials fixture")
        settings = {**self.settings, **self.demo_settings}
        handle = conformance_host.call(self.platform, "demo_store", settings=settings)
        if handle is None:
            pytest.skip("the demo_store hook returned None: no live store")
        assert isinstance(handle, DemoStoreHandle), f"demo_store returned {handle!r}"
        try:
            yield handle
        finally:
            handle.stop()

    def _live_store_is_the_demo_store(self) -> bool:
        """True when the subclass keeps the default ``live_credentials`` (the demo store's)."""
        owner = next(cls for cls in type(self).__mro__ if "live_credentials" in vars(cls))
        return owner is ConformanceBase

    @pytest.fixture
    def live_credentials(self, demo_handle: DemoStoreHandle) -> dict[str, Any]:
        """Credentials of a working store, as ``normalize_credentials`` returns them.

        By default the plugin's demo store's. Override in the subclass (e.g. from a demo-store process
        fixture, or with ``responses`` mocking the platform's API while the fixture is active) to use
        another store; without a demo store or an override the live tests skip.
        """
        return dict(demo_handle.credentials)

    @pytest.fixture
    def live_settings(self, request: pytest.FixtureRequest) -> Mapping[str, Any]:
        """Extra hub configuration for the live tests (e.g. the store's API URL, a small page size).

        By default the demo store's settings plus ``demo_settings`` when the live credentials are the
        demo store's, else nothing.
        """
        if not self._live_store_is_the_demo_store():
            return {}
        handle: DemoStoreHandle = request.getfixturevalue("demo_handle")
        return {**handle.settings, **self.demo_settings}

    @pytest.fixture
    def catalog_admin(self, request: pytest.FixtureRequest) -> CatalogAdmin:
        """A :class:`~hub.contract.CatalogAdmin` of the live store, for the checks that change the catalog.

        By default the demo store's ``DemoStoreHandle.admin`` when the live credentials are the demo
        store's. Override it together with ``live_credentials``, returning an admin of *that* store.
        """
        if not self._live_store_is_the_demo_store():
            pytest.skip(
                "live_credentials are overridden but catalog_admin is not: override catalog_admin with "
                "a CatalogAdmin of the same store to run the checks that change the catalog"
            )
        handle: DemoStoreHandle = request.getfixturevalue("demo_handle")
        if handle.admin is None:
            pytest.skip("the demo store has no admin (DemoStoreHandle.admin): it cannot change its catalog")
        return handle.admin

    # ----- helpers -------------------------------------------------------------------------------------

    @pytest.fixture
    def conformance_host(self) -> PluginHost:
        """A host with only the plugin under test, registered the way an entry point would be."""
        assert self.plugin is not None, f"{type(self).__name__}.plugin is not set"
        assert self.platform, f"{type(self).__name__}.platform is not set"
        return PluginHost(autoload=False, plugins=[(self.plugin_name or self.platform, self.plugin)])

    def context(self, settings: Mapping[str, Any] | None = None, **kwargs: Any) -> PluginContext:
        """The PluginContext the suite passes to platform hooks."""
        return PluginContext(
            settings={**self.settings, **(settings or {})}, user_agent="ClauderyHub-conformance", **kwargs
        )

    def schema(self, host: PluginHost | None = None) -> type[marshmallow.Schema]:
        """The plugin's credential schema class."""
        host = host or PluginHost(autoload=False, plugins=[(self.plugin_name or self.platform, self.plugin)])
        return host.call(self.platform, "credential_schema")

    def secret_fields(self) -> set[str]:
        """Names of the fields whose metadata says ``secret: True``."""
        return {name for name, f in self.schema()().fields.items() if f.metadata.get("secret") is True}

    def secret_values(self, *credentials: Mapping[str, Any]) -> set[str]:
        """Secret values of the given credentials worth searching for in messages and logs."""
        names = self.secret_fields()
        return {
            value
            for creds in credentials
            for key, value in creds.items()
            if key in names and isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH
        }

    def normalize(self, host: PluginHost, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``normalize_credentials`` through the host, as the hub does."""
        return host.call(self.platform, "normalize_credentials", data=dict(raw))

    def assert_no_secret(self, where: str, text: str, secrets: Iterable[str]) -> None:
        """Fail when ``text`` contains one of ``secrets`` (without printing the secret in full)."""
        for secret in secrets:
            assert secret not in text, f"{where} contains a secret value ({secret[:2]}…): {text[:300]!r}"

    def assert_result_has_no_secret(self, result: ConnectionResult, secrets: Iterable[str]) -> None:
        """Search every text a ConnectionResult carries to the merchant's browser."""
        secrets = list(secrets)
        self.assert_no_secret("ConnectionResult.message", result.message, secrets)
        for warning in result.warnings:
            self.assert_no_secret("ConnectionResult.warnings", warning, secrets)
        if result.store is not None:
            self.assert_no_secret("ConnectionResult.store", repr(result.store), secrets)

    def assert_failed_result(self, result: Any) -> ConnectionResult:
        """A well-formed ``ok=False`` ConnectionResult: a kind and a sentence for the merchant."""
        assert isinstance(result, ConnectionResult), f"test_connection returned {result!r}"
        assert result.ok is False, f"test_connection said ok for a failure: {result!r}"
        assert isinstance(result.error_kind, ErrorKind), f"a failure needs an ErrorKind: {result!r}"
        assert isinstance(result.message, str) and result.message.strip(), "a failure needs a message"
        return result

    def fetch_iter(
        self, host: PluginHost, credentials: dict[str, Any], request: FetchRequest, context: PluginContext
    ) -> Iterator[ProductPage]:
        """The ``fetch_products`` iterator, called through the host as the hub calls it."""
        return iter(
            host.call(
                self.platform, "fetch_products", credentials=credentials, request=request, context=context
            )
        )

    def walk(
        self,
        host: PluginHost,
        credentials: dict[str, Any],
        request: FetchRequest,
        context: PluginContext,
        max_pages: int | None = None,
        iterator: Iterator[ProductPage] | None = None,
    ) -> Walk:
        """Read up to ``max_pages`` pages (of ``iterator``, or a new fetch) and say how the fetch ended."""
        limit = max_pages or self.max_live_pages
        walk = Walk()
        it = iterator if iterator is not None else self.fetch_iter(host, credentials, request, context)
        with closing(it):  # close() lets the plugin release its session
            try:
                for page in it:
                    walk.pages.append(page)
                    if len(walk.pages) >= limit:
                        return walk
            except StopRequested:
                walk.stopped = True
                return walk
        walk.finished = True
        return walk

    def fetch(
        self,
        host: PluginHost,
        credentials: dict[str, Any],
        request: FetchRequest,
        context: PluginContext,
        max_pages: int | None = None,
    ) -> tuple[list[ProductPage], bool]:
        """Read up to ``max_pages`` pages; return them and whether the fetch ran to its end."""
        walk = self.walk(host, credentials, request, context, max_pages)
        return walk.pages, walk.finished
