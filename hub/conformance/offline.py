"""Checks that need no store: identity, registration, credential schema and normalization, no network."""

from __future__ import annotations

import contextlib
import logging

import marshmallow
import pytest

from hub.conformance.base import KNOWN_METADATA_KEYS, ConformanceBase
from hub.conformance.tools import no_network, pad_whitespace
from hub.contract import (
    CAPABILITY_HOOKS,
    OPTIONAL_HOOKS,
    SUPPORTED_CONTRACT_VERSIONS,
    Capability,
    ErrorKind,
    PlatformInfo,
)
from hub.plugins import PLATFORM_KEY, PluginHost


class OfflineChecks(ConformanceBase):
    """The checks every plugin passes without a store."""

    # ----- identity and registration ----------------------------------------------------------------

    def test_platform_info(self) -> None:
        """platform_info() returns a PlatformInfo whose key is valid and the one the subclass expects."""
        info = self.plugin.platform_info()
        assert isinstance(info, PlatformInfo), f"platform_info() returned {info!r}"
        assert PLATFORM_KEY.match(info.key), f"key {info.key!r} must match {PLATFORM_KEY.pattern}"
        assert info.key == self.platform
        assert isinstance(info.display_name, str) and info.display_name.strip(), "display_name is empty"
        assert isinstance(info.description, str) and isinstance(info.docs_url, str)

    def test_declares_a_supported_contract_version(self) -> None:
        """The plugin says which contract it was built for, and this hub supports it (else it won't load)."""
        info = self.plugin.platform_info()
        supported = sorted(SUPPORTED_CONTRACT_VERSIONS)
        assert isinstance(info.contract_version, int) and not isinstance(info.contract_version, bool)
        assert info.contract_version in SUPPORTED_CONTRACT_VERSIONS, (
            f"contract_version={info.contract_version}: this hub supports {supported}; "
            "set PlatformInfo(contract_version=...) to the version the plugin implements (see hub/contract)"
        )

    def test_capabilities_match_implemented_hooks(self, conformance_host: PluginHost) -> None:
        """Each declared capability has its hook, and each implemented optional hook its capability.

        The engine plans runs from both: a capability without its hook fails at load; a hook without
        its capability is a plugin that under-sells itself (or forgot to declare what it can do).
        """
        info = self.plugin.platform_info()
        assert isinstance(info.capabilities, frozenset | set), "capabilities must be a frozenset"
        for capability in info.capabilities:
            assert isinstance(capability, Capability), f"{capability!r} is not a hub.contract.Capability"
        (status,) = conformance_host.statuses()
        implemented = set(status.hooks)
        for capability, hooks in CAPABILITY_HOOKS.items():
            has_hook = bool(implemented.intersection(hooks))
            if capability in info.capabilities:
                assert has_hook, f"declares {capability} but implements none of {', '.join(hooks)}"
            else:
                assert not has_hook, (
                    f"implements {', '.join(sorted(implemented.intersection(hooks)))} but does not declare "
                    f"Capability.{capability.name}: add it to PlatformInfo.capabilities"
                )
        unknown = (
            implemented - set(self.required_hooks) - OPTIONAL_HOOKS - {"register_commands", "register_routes"}
        )
        assert not unknown, f"hooks the contract does not know: {sorted(unknown)}"

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
            padded = {key: pad_whitespace(value) for key, value in raw.items()}
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
