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

from hub.conformance.live import LiveChecks
from hub.conformance.offline import OfflineChecks
from hub.conformance.tools import NetworkBlocked, no_network, scramble

__all__ = ["NetworkBlocked", "PlatformConformance", "no_network", "scramble"]


class PlatformConformance(OfflineChecks, LiveChecks):
    """Base class of a plugin's conformance tests; subclass it as ``Test<Platform>Conformance``.

    See :class:`hub.conformance.base.ConformanceBase` for what the subclass sets.
    """
