"""The platform conformance suite: the tests every platform plugin runs from its own test suite.

A plugin passes when the hub can rely on it the way the contract (:mod:`hub.contract`) says: it
describes itself, registers in a :class:`~hub.plugins.PluginHost`, documents every credential field,
cleans and validates pasted credentials without touching the network, never leaks a secret, classifies
failures with an :class:`~hub.contract.ErrorKind`, and pages through a catalog resumably.

How a plugin author uses it: subclass :class:`PlatformConformance` in a test module of the plugin,
under a name pytest collects (``Test...``), and describe the plugin::

    # plugins/myshop/tests/test_conformance.py
    from hub.conformance import PlatformConformance
    from claudery_myshop import plugin

    class TestMyShopConformance(PlatformConformance):
        plugin = plugin
        platform = "myshop"

        def valid_credentials(self):
            # raw values as a merchant pastes them: each must normalize
            return [{"shop_url": "https://demo.myshop.example", "api_token": "tok_123456"}]

        def invalid_credentials(self):
            # raw values -> the field names that must carry an error
            return [({"shop_url": "not a url", "api_token": "tok_123456"}, {"shop_url"})]

That is enough for the offline tests. To exercise ``test_connection`` and ``fetch_products`` for real,
override the ``live_credentials`` fixture (and ``live_settings`` if the plugin must be pointed at the
store, e.g. a local demo store or a ``responses`` mock of the platform's API); without it the live
tests are skipped, never failed::

        @pytest.fixture
        def live_credentials(self, my_demo_store):
            return {"shop_url": my_demo_store.url, "api_token": my_demo_store.token}

        @pytest.fixture
        def live_settings(self, my_demo_store):
            return {"MYSHOP_PAGE_SIZE": 10}  # several pages, so resuming is tested

Every test method can be overridden or switched off in the subclass (``test_x = None`` removes it from
collection), but a skipped check should come with a comment saying why the platform cannot pass it.

This module imports pytest: import it from tests only, never from hub runtime code.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, ClassVar
from unittest import mock

import marshmallow
import pytest

from hub.contract import (
    ConnectionResult,
    ErrorKind,
    FetchRequest,
    PlatformInfo,
    PluginContext,
    Product,
    ProductPage,
    RecordError,
    StoreInfo,
)
from hub.plugins import PLATFORM_KEY, PluginHost

__all__ = ["PlatformConformance", "no_network", "scramble"]

#: the field metadata keys the hub reads (see ``hub.contract.credential_schema``)
KNOWN_METADATA_KEYS = frozenset({"label", "help", "placeholder", "secret", "order"})
#: secret values shorter than this are not searched for in messages and logs: "1" is everywhere
MIN_SECRET_LENGTH = 4


class NetworkBlocked(OSError):
    """Raised instead of a connection while :func:`no_network` is active."""


@contextlib.contextmanager
def no_network() -> Iterator[list[str]]:
    """Block every network access for the duration; yield the list of attempts made meanwhile.

    Blocks at the socket layer (name resolution and ``connect``), so any HTTP library is caught, and
    also installs an empty ``responses`` mock when ``responses`` is installed, because a ``responses``
    mock already active in the caller's test would otherwise answer ``requests`` calls before they
    reach a socket. Attempts fail the way a dead network does (``OSError`` / ``ConnectionError``), so
    a plugin that catches them still gets recorded.
    """
    attempts: list[str] = []

    def connect(sock: socket.socket, address: Any) -> None:
        attempts.append(f"connect to {address!r}")
        raise NetworkBlocked("network access is disabled by the conformance suite")

    def connect_ex(sock: socket.socket, address: Any) -> int:
        attempts.append(f"connect to {address!r}")
        return 111  # ECONNREFUSED

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(f"resolve {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "network access is disabled by the conformance suite")

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(socket.socket, "connect", connect))
        stack.enter_context(mock.patch.object(socket.socket, "connect_ex", connect_ex))
        stack.enter_context(mock.patch.object(socket, "getaddrinfo", getaddrinfo))
        rsps = None
        try:
            import responses
        except ImportError:  # pragma: no cover - responses is a test dependency of the hub
            pass
        else:
            rsps = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
        try:
            yield attempts
        finally:
            if rsps is not None:
                attempts.extend(f"HTTP {call.request.method} {call.request.url}" for call in rsps.calls)


def scramble(value: str) -> str:
    """Return a different value of the same shape: each letter/digit shifted by one (a→b, 9→0).

    Used to make credentials that pass ``normalize_credentials`` (same length, same alphabet) but that
    the platform must reject.
    """
    out = []
    for ch in value:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + 1) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + 1) % 26 + 65))
        elif "0" <= ch <= "9":
            out.append(str((int(ch) + 1) % 10))
        else:
            out.append(ch)
    scrambled = "".join(out)
    return scrambled if scrambled != value else value + "x"


def _pad(value: Any) -> Any:
    """Surround a string with the whitespace a copy-paste brings along."""
    return f" \t{value}\n " if isinstance(value, str) else value


class PlatformConformance:
    """Base class of a plugin's conformance tests; subclass it as ``Test<Platform>Conformance``.

    Set in the subclass:

    * ``plugin``: the plugin object, as the entry point loads it (usually the plugin module);
    * ``platform``: the key its ``platform_info()`` declares;
    * :meth:`valid_credentials` and :meth:`invalid_credentials` (required);
    * optionally ``settings`` (hub configuration keys given to every hook through
      :class:`~hub.contract.PluginContext`, e.g. to turn retries' backoff down to 0 so the offline
      network test is quick), ``required_hooks``, ``max_live_pages``, ``resume_may_repeat``,
      ``extra_metadata_keys``;
    * optionally the fixtures ``live_credentials`` and ``live_settings`` for the live tests.
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
    required_hooks: ClassVar[frozenset[str]] = frozenset(
        {"platform_info", "credential_schema", "normalize_credentials", "test_connection", "fetch_products"}
    )
    #: at most this many pages are read from a live store per fetch (keeps a big store's test short)
    max_live_pages: ClassVar[int] = 20
    #: False: resuming from page k's cursor repeats no product of pages 0..k (on a store that does not
    #: change during the test). True: only pages before k are checked; set it, with a comment saying
    #: why, when the platform's cursors overlap at page boundaries (the contract allows repeats)
    resume_may_repeat: ClassVar[bool] = False
    #: metadata keys the plugin uses on purpose besides the hub's; any other key fails as a likely typo
    extra_metadata_keys: ClassVar[frozenset[str]] = frozenset()

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
    def live_credentials(self) -> dict[str, Any]:
        """Credentials of a working store, as ``normalize_credentials`` returns them.

        Override in the subclass (e.g. from a demo-store fixture, or with ``responses`` mocking the
        platform's API while the fixture is active) to run the live tests; by default they skip.
        """
        pytest.skip("no live store: override the live_credentials fixture to run the live tests")

    @pytest.fixture
    def live_settings(self) -> Mapping[str, Any]:
        """Extra hub configuration for the live tests (e.g. the demo store's API URL, a small page size)."""
        return {}

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

    def fetch(
        self,
        host: PluginHost,
        credentials: dict[str, Any],
        request: FetchRequest,
        context: PluginContext,
        max_pages: int | None = None,
    ) -> tuple[list[ProductPage], bool]:
        """Read up to ``max_pages`` pages; return them and whether the fetch ran to its end."""
        limit = max_pages or self.max_live_pages
        pages: list[ProductPage] = []
        iterator = host.call(
            self.platform, "fetch_products", credentials=credentials, request=request, context=context
        )
        with contextlib.closing(iter(iterator)) as it:  # close() lets the plugin release its session
            for page in it:
                pages.append(page)
                if len(pages) >= limit:
                    return pages, False
        return pages, True

    # ----- identity and registration ----------------------------------------------------------------

    def test_platform_info(self) -> None:
        """platform_info() returns a PlatformInfo whose key is valid and the one the subclass expects."""
        info = self.plugin.platform_info()
        assert isinstance(info, PlatformInfo), f"platform_info() returned {info!r}"
        assert PLATFORM_KEY.match(info.key), f"key {info.key!r} must match {PLATFORM_KEY.pattern}"
        assert info.key == self.platform
        assert isinstance(info.display_name, str) and info.display_name.strip(), "display_name is empty"
        assert isinstance(info.description, str) and isinstance(info.docs_url, str)

    def test_registers_in_host(self, conformance_host: PluginHost) -> None:
        """The host accepts the plugin: every hookimpl matches a hookspec and the platform is routed."""
        (status,) = conformance_host.statuses()
        assert status.ok, f"the host refused the plugin: {status.error}"
        assert status.platform == self.platform
        assert conformance_host.has_platform(self.platform)

    def test_implements_required_hooks(self, conformance_host: PluginHost) -> None:
        """The hooks a sync needs are all there (optional ones are not required)."""
        (status,) = conformance_host.statuses()
        missing = set(self.required_hooks) - set(status.hooks)
        assert not missing, f"the plugin does not implement {sorted(missing)}"

    # ----- credentials --------------------------------------------------------------------------------

    def test_credential_schema_fields_are_documented(self, conformance_host: PluginHost) -> None:
        """The hub builds the form from the schema: every field needs its label, help and flags."""
        schema = self.schema(conformance_host)
        assert isinstance(schema, type) and issubclass(schema, marshmallow.Schema), (
            f"credential_schema must return a marshmallow Schema class, got {schema!r}"
        )
        declared = schema().fields
        assert declared, "the schema declares no field"
        for name, f in declared.items():
            meta = f.metadata
            where = f"field {name!r}"
            # the credentials dict is keyed by field names; a data_key would make the form and the
            # stored dict disagree
            assert f.data_key in (None, name), f"{where}: data_key is not supported"
            assert isinstance(meta.get("label"), str) and meta["label"].strip(), f"{where} has no label"
            assert isinstance(meta.get("help"), str) and meta["help"].strip(), f"{where} has no help"
            assert isinstance(meta.get("secret", False), bool), f"{where}: secret must be a bool"
            assert isinstance(meta.get("placeholder", ""), str), f"{where}: placeholder must be a str"
            # a typo such as "secrets": True would silently store a token in clear text
            unknown = set(meta) - KNOWN_METADATA_KEYS - set(self.extra_metadata_keys)
            assert not unknown, (
                f"{where}: unknown metadata {sorted(unknown)} (known: {sorted(KNOWN_METADATA_KEYS)})"
            )
            order = meta.get("order", 0)
            assert isinstance(order, int) and not isinstance(order, bool), f"{where}: order must be an int"

    def test_required_fields_are_reported_when_missing(self, conformance_host: PluginHost) -> None:
        """Leaving out a required field yields an error keyed by that field, not a crash or a default."""
        required = {name for name, f in self.schema(conformance_host)().fields.items() if f.required}
        with pytest.raises(marshmallow.ValidationError) as caught:
            self.normalize(conformance_host, {})
        assert isinstance(caught.value.messages, dict)
        assert required <= set(caught.value.messages), (
            f"missing required fields not reported: {sorted(required - set(caught.value.messages))}"
        )
        # one at a time from a valid input too: the error must name the field that is missing
        raw = self.valid_credentials()[0]
        for name in sorted(required & set(raw)):
            partial = {k: v for k, v in raw.items() if k != name}
            with pytest.raises(marshmallow.ValidationError) as caught:
                self.normalize(conformance_host, partial)
            assert name in caught.value.messages, f"{name} missing, errors: {caught.value.messages}"

    def test_valid_credentials_normalize(self, conformance_host: PluginHost) -> None:
        """Every valid case loads to a dict of known fields, stripped, and normalizing again is a no-op."""
        cases = self.valid_credentials()
        assert cases, "valid_credentials() returned no case"
        fields_ = set(self.schema(conformance_host)().fields)
        for raw in cases:
            try:
                cleaned = self.normalize(conformance_host, raw)
            except marshmallow.ValidationError as exc:
                pytest.fail(f"valid credentials {sorted(raw)} rejected: {exc.messages}")
            assert isinstance(cleaned, dict)
            assert set(cleaned) <= fields_, f"unknown keys {sorted(set(cleaned) - fields_)}"
            for key, value in cleaned.items():
                if isinstance(value, str):
                    assert value == value.strip(), f"{key!r} keeps surrounding whitespace"
            # the hub re-validates stored credentials when a merchant edits a site: it must be stable
            assert self.normalize(conformance_host, cleaned) == cleaned, "normalizing twice changes values"

    def test_normalize_strips_whitespace_from_every_field(self, conformance_host: PluginHost) -> None:
        """Spaces, tabs and newlines around any pasted value change nothing."""
        for raw in self.valid_credentials():
            padded = {key: _pad(value) for key, value in raw.items()}
            assert self.normalize(conformance_host, padded) == self.normalize(conformance_host, raw)

    def test_invalid_credentials_are_rejected_by_field(self, conformance_host: PluginHost) -> None:
        """Invalid input raises ValidationError keyed by field, with messages that echo no secret."""
        cases = self.invalid_credentials()
        assert cases, "invalid_credentials() returned no case"
        for raw, expected in cases:
            with pytest.raises(marshmallow.ValidationError) as caught:
                self.normalize(conformance_host, raw)
            messages = caught.value.messages
            assert isinstance(messages, dict), f"messages must be keyed by field name, got {messages!r}"
            missing = set(expected) - set(messages)
            assert not missing, f"input {sorted(raw)}: no error for {sorted(missing)} (got {messages})"
            for field_name, field_messages in messages.items():
                assert field_messages, f"{field_name}: empty message list"
            self.assert_no_secret("ValidationError messages", repr(messages), self.secret_values(raw))

    def test_normalize_makes_no_network_call(self, conformance_host: PluginHost) -> None:
        """normalize_credentials runs in the web request that renders the form: no network allowed."""
        cases = [*self.valid_credentials(), *(raw for raw, _ in self.invalid_credentials())]
        with no_network() as attempts:
            for raw in cases:
                with contextlib.suppress(marshmallow.ValidationError):
                    self.normalize(conformance_host, raw)
        assert not attempts, f"normalize_credentials tried the network: {attempts}"

    # ----- connection test ----------------------------------------------------------------------------

    def test_connection_without_network_fails_cleanly(
        self, conformance_host: PluginHost, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A dead network gives ok=False with ErrorKind.NETWORK, no exception and no secret anywhere."""
        credentials = self.normalize(conformance_host, self.valid_credentials()[0])
        caplog.set_level(logging.DEBUG)
        with no_network():
            result = conformance_host.call(
                self.platform, "test_connection", credentials=credentials, context=self.context()
            )
        self.assert_failed_result(result)
        assert result.error_kind is ErrorKind.NETWORK, f"expected a network error, got {result!r}"
        secrets = self.secret_values(credentials)
        self.assert_result_has_no_secret(result, secrets)
        self.assert_no_secret("the log", caplog.text, secrets)

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
