"""The plugin host: entry points, failures, routing, documented hooks."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint

import pytest

from hub import contract
from hub.plugins import PLATFORM_HOOKS, HookNotImplemented, PluginHost
from tests import toy_plugin


def _ep(name, value):
    return EntryPoint(name=name, value=value, group=contract.ENTRY_POINT_GROUP)


def test_broken_plugin_is_reported_and_others_load():
    host = PluginHost(eps=[_ep("broken", "tests.plugins_broken_at_import"), _ep("toy", "tests.toy_plugin")])
    statuses = {s.name: s for s in host.statuses()}
    assert not statuses["broken"].ok and "RuntimeError" in statuses["broken"].error
    assert statuses["toy"].ok and statuses["toy"].platform == "toy"
    assert [p.key for p in host.platforms()] == ["toy"]


def test_broken_plugin_page_still_serves(app, browser, database_url, tmp_path):
    from tests.conftest import Browser, make_app

    app = make_app(database_url, tmp_path, plugins=[("toy", toy_plugin)])
    app.extensions["hub_plugins"]._load_entry_point(_ep("broken", "tests.plugins_broken_at_import"))
    b = Browser(app.test_client())
    b.signup("c@example.com")
    assert b.get("/plugins").status_code == 404  # operators only (issue 13 point 7)
    with app.app_context():
        from hub.extensions import db
        from hub.models import User

        db.session.execute(db.update(User).values(is_admin=True))
        db.session.commit()
    html = b.get("/plugins").get_data(as_text=True)
    assert "broken" in html and "Failed" in html and "Loaded" in html
    site_id = b.create_site()
    assert "Toy Platform" in b.get(f"/sites/{site_id}/platform").get_data(as_text=True)


def test_call_reaches_only_that_platform():
    calls = []

    class Other(_Minimal):
        @contract.hookimpl
        def platform_info(self):
            return contract.PlatformInfo(key="other", display_name="Other", contract_version=2)

        @contract.hookimpl
        def test_connection(self, platform, credentials, context):
            calls.append(platform)
            return contract.ConnectionResult(ok=True, message="other")

    host = PluginHost(autoload=False, plugins=[("toy", toy_plugin), ("other", Other())])
    ctx = contract.PluginContext(settings={})
    result = host.call(
        "toy", "test_connection", credentials={"api_key": toy_plugin.GOOD_KEY, "shop": "x"}, context=ctx
    )
    assert result.message == "Toy shop reached." and calls == []
    assert host.call("other", "test_connection", credentials={}, context=ctx).message == "other"
    assert calls == ["other"]
    with pytest.raises(HookNotImplemented):
        host.call("other", "list_product_ids", credentials={}, context=ctx)


class _Minimal:
    """The required hooks of a platform plugin, doing nothing."""

    @contract.hookimpl
    def credential_schema(self, platform):
        return None

    @contract.hookimpl
    def normalize_credentials(self, platform, data):
        return data

    @contract.hookimpl
    def test_connection(self, platform, credentials, context):
        return contract.ConnectionResult(ok=True, message="ok")

    @contract.hookimpl
    def fetch_products(self, platform, credentials, request, context):
        return iter(())


def _failure(plugin) -> str:
    host = PluginHost(autoload=False, plugins=[("p", plugin)])
    (status,) = host.statuses()
    assert not status.ok and not host.has_platform("p")
    return status.error


def test_a_plugin_for_another_contract_version_is_listed_as_failed():
    class Old(_Minimal):
        @contract.hookimpl
        def platform_info(self):
            return contract.PlatformInfo(key="p", display_name="Old")  # no contract_version: version 1

    assert "contract version 1" in _failure(Old())


def test_a_platform_plugin_must_implement_the_required_hooks():
    class Partial:
        @contract.hookimpl
        def platform_info(self):
            return contract.PlatformInfo(key="p", display_name="P", contract_version=2)

        @contract.hookimpl
        def test_connection(self, platform, credentials, context):
            return contract.ConnectionResult(ok=True, message="ok")

    error = _failure(Partial())
    assert "fetch_products" in error and "credential_schema" in error


def test_a_declared_capability_needs_its_hook():
    class Boaster(_Minimal):
        @contract.hookimpl
        def platform_info(self):
            caps = frozenset({contract.Capability.LIST_IDS})
            return contract.PlatformInfo(key="p", display_name="P", contract_version=2, capabilities=caps)

    assert "list_ids" in _failure(Boaster())


def test_a_plugin_reads_only_its_own_settings_namespace():
    host = PluginHost(autoload=False, plugins=[("toy", toy_plugin)])
    config = {
        "TOY_API_URL": "http://toy",
        "HUB_HTTP_READ_TIMEOUT": 3,
        "SECRET_KEY": "s" * 32,
        "HUB_ENCRYPTION_KEYS": "k",
        "SQLALCHEMY_DATABASE_URI": "postgresql://u:p@h/db",
        "BIGCOMMERCE_API_URL": "http://other-plugin",
    }
    assert host.settings_for("toy", config) == {"TOY_API_URL": "http://toy", "HUB_HTTP_READ_TIMEOUT": 3}


def test_plugin_routes_are_mounted_under_the_plugin_prefix(database_url, tmp_path):
    import flask

    from tests.conftest import make_app

    class Routed(_Minimal):
        @contract.hookimpl
        def platform_info(self):
            return contract.PlatformInfo(key="routed", display_name="Routed", contract_version=2)

        @contract.hookimpl
        def register_routes(self):
            bp = flask.Blueprint("anything", __name__)
            bp.add_url_rule("/callback", "callback", lambda: "called", methods=["GET", "POST"])
            return bp

    app = make_app(database_url, tmp_path, plugins=[("toy", toy_plugin), ("routed", Routed())])
    client = app.test_client()
    assert client.get("/plugin/routed/callback").get_data(as_text=True) == "called"
    assert client.post("/plugin/routed/callback").status_code == 200  # platforms post without CSRF tokens


def test_duplicate_platform_key_is_a_failure():
    host = PluginHost(autoload=False, plugins=[("toy", toy_plugin), ("toy2", _clone_module())])
    statuses = {s.name: s for s in host.statuses()}
    assert statuses["toy"].ok and not statuses["toy2"].ok and "already provided" in statuses["toy2"].error


def _clone_module():
    class Clone:
        @contract.hookimpl
        def platform_info(self):
            return contract.PlatformInfo(key="toy", display_name="Toy again", contract_version=2)

    return Clone()


def test_every_hookspec_is_documented_and_typed():
    specs = [
        getattr(contract, n)
        for n in dir(contract)
        if hasattr(getattr(contract, n), f"{contract.PROJECT_NAME}_spec")
    ]
    assert len(specs) >= 15
    assert contract.OPTIONAL_HOOKS | contract.REQUIRED_HOOKS <= PLATFORM_HOOKS
    for spec in specs:
        doc = inspect.getdoc(spec)
        assert doc and len(doc) > 40, f"{spec.__name__} needs a docstring"
        sig = inspect.signature(spec)
        assert sig.return_annotation is not inspect.Signature.empty, spec.__name__
    assert {"test_connection", "fetch_products", "normalize_credentials"} <= PLATFORM_HOOKS


def test_bigcommerce_registers_through_its_entry_point():
    host = PluginHost()
    statuses = {s.name: s for s in host.statuses()}
    assert statuses["bigcommerce"].ok, statuses["bigcommerce"].error
    assert statuses["bigcommerce"].source == "claudery_bigcommerce.plugin"
    assert host.platform("bigcommerce").display_name == "BigCommerce"
