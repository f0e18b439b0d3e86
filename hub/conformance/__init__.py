"""The platform conformance suite: the tests every platform plugin runs from its own test suite.

A plugin passes when the hub can rely on it the way the contract (:mod:`hub.contract`) says: it
declares a supported contract version and capabilities that match its hooks, registers in a
:class:`~hub.plugins.PluginHost`, documents every credential field, cleans and validates pasted
credentials without touching the network, never leaks a secret, classifies failures with an
:class:`~hub.contract.ErrorKind`, pages through a catalog resumably, stops when asked, and keeps its
declared promises while the catalog changes (exact paging under deletions, exact incremental fetches).

* :mod:`~hub.conformance.offline`: checks that need no store;
* :mod:`~hub.conformance.live`: checks against a live store (connection, paging, resuming, stopping,
  id listing, taxonomy);
* :mod:`~hub.conformance.changes`: checks that change the live store's catalog through a
  :class:`~hub.contract.CatalogAdmin` while the plugin reads it;
* :mod:`~hub.conformance.sync`: the hub's real engine syncs the live store (full, incremental,
  reconcile) in process, on a throwaway database and a real Redis.

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

That is enough for the offline tests. The live tests run against the plugin's own ``demo_store`` hook
by default: a fresh store per test, its credentials and settings, plus ``demo_settings``; the checks
that change the catalog use the handle's ``admin`` (a :class:`~hub.contract.CatalogAdmin`)::

        demo_settings = {"MYSHOP_PAGE_SIZE": 3}  # several pages, so resuming and deleting are tested

A plugin without a demo store overrides the ``live_credentials`` and ``live_settings`` fixtures (a
local stand-in of the platform, or a ``responses`` mock of its API), and ``catalog_admin`` with an
admin of that same store; without them the live tests are skipped, never failed::

        @pytest.fixture
        def live_credentials(self, my_store):
            return {"shop_url": my_store.url, "api_token": my_store.token}

        @pytest.fixture
        def live_settings(self, my_store):
            return {"MYSHOP_API_URL": my_store.url, "MYSHOP_PAGE_SIZE": 10}

        @pytest.fixture
        def catalog_admin(self, my_store):
            return my_store.admin  # product_ids(), create_product(name), update_product(id, name), ...

A check the platform cannot pass skips by itself when a capability is not declared (e.g. the
deletion check needs ``Capability.EXACT_PAGING``, the incremental one ``Capability.INCREMENTAL``).

Every test method can be overridden or switched off in the subclass (``test_x = None`` removes it from
collection), but a skipped check should come with a comment saying why the platform cannot pass it.

This module imports pytest: import it from tests only, never from hub runtime code.
"""

from hub.conformance.base import Walk
from hub.conformance.changes import CatalogChangeChecks
from hub.conformance.live import LiveChecks
from hub.conformance.offline import OfflineChecks
from hub.conformance.sync import SyncChecks
from hub.conformance.tools import NetworkBlocked, no_network, scramble

__all__ = ["NetworkBlocked", "PlatformConformance", "Walk", "no_network", "scramble"]


class PlatformConformance(OfflineChecks, LiveChecks, CatalogChangeChecks, SyncChecks):
    """Base class of a plugin's conformance tests; subclass it as ``Test<Platform>Conformance``.

    See :class:`hub.conformance.base.ConformanceBase` for what the subclass sets.
    """
