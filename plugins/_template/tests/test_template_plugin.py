"""Tests of the template plugin: the conformance suite, its own behaviour, and that it installs.

When you copy the template, keep this file (renamed after your platform) and:

* point :class:`TestTemplateConformance` at your plugin, with your credential cases; its live half
  runs against your ``demo_store`` hook (here the tiny fake API in ``claudery_template.fake_api``), or
  against fixtures you provide (see ``hub/conformance/__init__.py``);
* keep the listing style your platform has and delete the other's test class;
* keep :func:`test_installs_and_loads_through_its_entry_point`, with your package's names.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from hub.conformance import PlatformConformance
from hub.contract import (
    DemoStoreHandle,
    ErrorKind,
    FetchMode,
    FetchRequest,
    PlatformError,
    PluginContext,
    StopRequested,
)
from hub.plugins import PluginHost

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("claudery_template") is None:
    # In the hub's repository the template is deliberately not installed (it would appear in the
    # platform dropdown), so its tests import it from the checkout. A copy you pip-installed is found
    # the normal way and this line does nothing.
    sys.path.insert(0, str(TEMPLATE_DIR))
plugin = importlib.import_module("claudery_template.plugin")
listing = importlib.import_module("claudery_template.listing")
SHOP_URL = "https://demo.template.test"
TOKEN = "tpl_0123456789abcdef"


# --------------------------------------------------------------------------------------------------
# (a) the conformance suite, once per listing style
# --------------------------------------------------------------------------------------------------


class TestTemplateConformance(PlatformConformance):
    """The template passes the hub's platform conformance suite; so must every copy of it.

    The live checks run against the plugin's ``demo_store`` hook (a fresh fake shop per test), whose
    ``admin`` lets the suite delete and change products while the plugin reads them; the sync checks
    run the hub's engine (full, incremental, reconcile) against it end to end.
    """

    plugin = plugin
    platform = "template"
    # no backoff sleeps in tests: the offline network test would otherwise wait on retries
    settings: Mapping[str, Any] = {"TEMPLATE_BACKOFF": 0}
    # a fresh demo store of 12 products per live test (one malformed), read 3 at a time: several pages
    demo_settings: Mapping[str, Any] = {
        "TEMPLATE_DEMO_PRODUCTS": 12,
        "TEMPLATE_DEMO_MALFORMED": 1,
        "TEMPLATE_PAGE_SIZE": 3,
    }

    def valid_credentials(self) -> list[dict[str, str]]:
        return [
            {"shop_url": SHOP_URL, "api_token": TOKEN},
            {"shop_url": "Demo.Template.test/admin/settings", "api_token": f'"{TOKEN}"'},
            {"shop_url": "http://localhost:8080/", "api_token": TOKEN},
        ]

    def invalid_credentials(self) -> list[tuple[dict[str, str], set[str]]]:
        return [
            ({"shop_url": "not a url", "api_token": TOKEN}, {"shop_url"}),
            ({"shop_url": "http://demo.template.test", "api_token": TOKEN}, {"shop_url"}),
            ({"shop_url": SHOP_URL, "api_token": "tpl 0123 secret-part"}, {"api_token"}),
            ({"shop_url": "   ", "api_token": "  "}, {"shop_url", "api_token"}),
        ]


class TestTemplateBareArrayConformance(TestTemplateConformance):
    """The same suite with the bare-array listing (offset paging, totals and links in headers)."""

    settings: Mapping[str, Any] = {**TestTemplateConformance.settings, "TEMPLATE_LISTING": "bare"}


# --------------------------------------------------------------------------------------------------
# the template's own behaviour (keep the ones that still apply after your changes)
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def shop() -> Iterator[DemoStoreHandle]:
    """A fake shop of 7 products (104 malformed) over real HTTP."""
    handle = plugin.demo_store("template", {"TEMPLATE_DEMO_PRODUCTS": 7, "TEMPLATE_DEMO_MALFORMED": 1})
    try:
        yield handle
    finally:
        handle.stop()


def _fetch(handle: DemoStoreHandle, request: FetchRequest | None = None, **settings: Any) -> list[Any]:
    context = PluginContext(settings={"TEMPLATE_PAGE_SIZE": 3, **settings})
    return list(plugin.fetch_products("template", handle.credentials, request or FetchRequest(), context))


def test_normalize_keeps_only_scheme_and_host() -> None:
    cleaned = plugin.normalize_credentials(
        "template", {"shop_url": " Demo.Template.test/admin/ ", "api_token": TOKEN}
    )
    assert cleaned == {"shop_url": "https://demo.template.test", "api_token": TOKEN}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, ErrorKind.AUTH),
        (403, ErrorKind.SCOPE),
        (404, ErrorKind.NOT_FOUND),
        (429, ErrorKind.RATE_LIMITED),
        (500, ErrorKind.UNAVAILABLE),
        (503, ErrorKind.UNAVAILABLE),
        (418, ErrorKind.UNKNOWN),
    ],
)
@responses.activate
def test_connection_maps_http_status_to_error_kind(status: int, kind: ErrorKind) -> None:
    responses.add(responses.GET, f"{SHOP_URL}/api/ping", status=status, headers={"Retry-After": "30"})
    result = plugin.test_connection(
        "template", {"shop_url": SHOP_URL, "api_token": TOKEN}, PluginContext(settings={})
    )
    assert (result.ok, result.error_kind) == (False, kind)
    assert TOKEN not in result.message
    assert result.retry_after == (30.0 if status == 429 else None)


@responses.activate
def test_connection_maps_timeout_to_network() -> None:
    responses.add(responses.GET, f"{SHOP_URL}/api/ping", body=requests.Timeout("read timed out"))
    result = plugin.test_connection(
        "template", {"shop_url": SHOP_URL, "api_token": TOKEN}, PluginContext(settings={})
    )
    assert (result.ok, result.error_kind) == (False, ErrorKind.NETWORK)


@responses.activate
def test_fetch_retries_transient_errors_then_reports_them() -> None:
    responses.add(responses.GET, f"{SHOP_URL}/api/products", status=503)
    context = PluginContext(settings={"TEMPLATE_BACKOFF": 0, "TEMPLATE_MAX_RETRIES": 2})
    with pytest.raises(PlatformError) as caught:
        list(
            plugin.fetch_products(
                "template", {"shop_url": SHOP_URL, "api_token": TOKEN}, FetchRequest(), context
            )
        )
    assert caught.value.kind is ErrorKind.UNAVAILABLE
    assert len(responses.calls) == 3  # the first try and two retries


@responses.activate
def test_fetch_stops_at_once_on_auth_failure() -> None:
    responses.add(responses.GET, f"{SHOP_URL}/api/products", status=401)
    context = PluginContext(settings={"TEMPLATE_BACKOFF": 0, "TEMPLATE_MAX_RETRIES": 5})
    with pytest.raises(PlatformError) as caught:
        list(
            plugin.fetch_products(
                "template", {"shop_url": SHOP_URL, "api_token": TOKEN}, FetchRequest(), context
            )
        )
    assert caught.value.kind is ErrorKind.AUTH
    assert len(responses.calls) == 1  # retrying cannot fix a refused token


@responses.activate
def test_a_stop_during_backoff_raises_stop_requested_promptly() -> None:
    """A stop while waiting to retry ends the call with StopRequested, not after the whole backoff."""
    responses.add(responses.GET, f"{SHOP_URL}/api/products", status=503)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    context = PluginContext(
        settings={"TEMPLATE_BACKOFF": 30, "TEMPLATE_MAX_RETRIES": 3}, should_stop=stop.is_set
    )
    started = time.monotonic()
    with pytest.raises(StopRequested):
        list(
            plugin.fetch_products(
                "template", {"shop_url": SHOP_URL, "api_token": TOKEN}, FetchRequest(), context
            )
        )
    # the backoff before the first retry is 30 s: stopping well inside it proves the sleep checks stops
    assert time.monotonic() - started < 15
    assert len(responses.calls) == 1


@pytest.mark.parametrize("style", ["wrapped", "bare"])
def test_fetch_reports_malformed_records_and_goes_on(shop: DemoStoreHandle, style: str) -> None:
    pages = _fetch(shop, TEMPLATE_LISTING=style)
    ids = [p.id for page in pages for p in page.products]
    assert ids == ["100", "101", "102", "103", "105", "106"]
    assert [(e.product_id, e.message) for p in pages for e in p.errors] == [("104", "name is missing")]
    assert pages[-1].cursor is None and all(page.cursor for page in pages[:-1])
    assert {page.total for page in pages} == {7}


def test_records_map_to_neutral_fields(shop: DemoStoreHandle) -> None:
    """Stock, buyability, sale price and images are the plugin's verdicts, in the contract's terms."""
    products = {p.id: p for page in _fetch(shop) for p in page.products}
    first, second, draft = products["100"], products["101"], products["103"]
    assert (first.in_stock, first.inventory_level, first.sale_price) == (False, 0, "9.00")
    assert (second.in_stock, second.inventory_level, second.sale_price) == (None, None, None)
    assert (draft.purchasable, draft.is_visible) == (False, False)
    assert first.url == f"{shop.base_url}/products/product-0" and first.handle == "product-0"
    assert first.images[0].thumbnail_url and first.images[0].is_thumbnail
    assert first.date_modified is not None and first.date_modified.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("style", ["wrapped", "bare"])
def test_incremental_fetch_filters_inclusively(shop: DemoStoreHandle, style: str) -> None:
    before = {p.id: p for page in _fetch(shop, TEMPLATE_LISTING=style) for p in page.products}
    bound = before["102"].date_modified
    request = FetchRequest(mode=FetchMode.INCREMENTAL, modified_since=bound)
    ids = {p.id for page in _fetch(shop, request, TEMPLATE_LISTING=style) for p in page.products}
    assert ids == {pid for pid, p in before.items() if p.date_modified >= bound}
    assert "102" in ids and "101" not in ids


def test_bare_listing_resumes_exactly_after_deletions_before_the_cursor(shop: DemoStoreHandle) -> None:
    """The offset guard: deleting read products (and the last one read) skips nothing on resume."""
    first = _fetch(shop, TEMPLATE_LISTING="bare")[0]
    for product_id in ("100", "101", "102"):
        shop.admin.delete_product(product_id)
    rest = _fetch(shop, FetchRequest(cursor=first.cursor), TEMPLATE_LISTING="bare")
    resumed = [p.id for page in rest for p in page.products] + [e.product_id for p in rest for e in p.errors]
    assert sorted(resumed) == ["103", "104", "105", "106"]


def test_conformance_catches_a_missing_deletion_safeguard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the offset guard the bare listing skips products, and the conformance suite says so."""
    monkeypatch.setattr(listing, "_window_slid", lambda first_id, last_id: False)
    suite = TestTemplateBareArrayConformance()
    host = PluginHost(autoload=False, plugins=[("template", plugin)])
    handle = plugin.demo_store("template", suite.demo_settings)
    try:
        with pytest.raises(AssertionError, match=r"lost \d+ surviving products"):
            suite.test_live_deletion_between_pages_loses_no_survivor(
                host, handle.credentials, suite.demo_settings, handle.admin, "continue"
            )
    finally:
        handle.stop()


def test_list_product_ids_and_taxonomy_report_usage(shop: DemoStoreHandle) -> None:
    usage: list[dict[str, float]] = []
    context = PluginContext(settings={}, record_usage=lambda **counts: usage.append(counts))
    ids = list(plugin.list_product_ids("template", shop.credentials, context))
    categories = list(plugin.fetch_categories("template", shop.credentials, context))
    assert ids == [str(100 + n) for n in range(7)]
    assert [c.parent_id for c in categories] == [None, "1", None]
    assert [u["requests"] for u in usage] == [1, 1]


def test_fetch_products_by_ids_skips_unknown_ids(shop: DemoStoreHandle) -> None:
    context = PluginContext(settings={})
    pages = list(
        plugin.fetch_products_by_ids("template", shop.credentials, ["103", "101", "999", "x"], context)
    )
    assert sorted(p.id for page in pages for p in page.products) == ["101", "103"]


def test_admin_product_url_needs_no_secret() -> None:
    url = plugin.admin_product_url("template", {"shop_url": SHOP_URL}, "101")
    assert url == f"{SHOP_URL}/admin/products/101"


# --------------------------------------------------------------------------------------------------
# (b) the package installs and the hub finds it through its entry point
# --------------------------------------------------------------------------------------------------

LIST_PLUGINS = """
import json
from importlib.metadata import entry_points
from hub.plugins import PluginHost

eps = [ep for ep in entry_points(group="claudery_hub.plugins") if ep.name == "template"]
statuses = [s.__dict__ for s in PluginHost().statuses()]
print(json.dumps({"dists": [ep.dist.name for ep in eps], "statuses": statuses}))
"""


def _can_build_without_isolation() -> bool:
    """True when this interpreter's setuptools can build a wheel by itself (offline and fast).

    setuptools >= 70.1 ships ``bdist_wheel``; older ones (Python 3.11's venv brings 65.5) need the
    ``wheel`` package next to them.
    """
    try:
        setuptools_version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(part) for part in setuptools_version.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def test_installs_and_loads_through_its_entry_point(tmp_path: Path) -> None:
    """pip-install a copy of the template, then a fresh interpreter's PluginHost() must load it.

    The package goes into a ``--target`` directory put on the PYTHONPATH of the hub's interpreter:
    importlib.metadata finds its dist-info there, so the entry point is discovered exactly as in any
    installation, and the development environment is left untouched. A copy is installed, as a
    developer would, so that the build leaves no egg-info in the repository.
    """
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("tests", "*.egg-info", "__pycache__", "build")
    shutil.copytree(TEMPLATE_DIR, source, ignore=ignore)
    target = tmp_path / "site"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--disable-pip-version-check",
        "--retries",
        "1",
    ]
    if _can_build_without_isolation():
        pip += ["--no-build-isolation", "--no-index"]
    # else pip builds in an isolated environment, fetching setuptools>=64 from the package index
    built = subprocess.run(
        [*pip, "--target", str(target), str(source)], capture_output=True, text=True, timeout=300
    )
    if built.returncode and "--no-index" not in pip and "from versions: none" in built.stderr:
        pytest.skip("no package index to fetch the build backend from, and no local setuptools>=70.1/wheel")
    assert built.returncode == 0, f"pip install failed:\n{built.stdout}\n{built.stderr}"

    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("HUB_PLUGINS", None)  # an allow-list in the developer's shell would hide the plugin
    # cwd=target: the child must not import the checkout's copy of the package
    done = subprocess.run(
        [sys.executable, "-c", LIST_PLUGINS], cwd=target, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["dists"] == ["claudery-platform-template"]
    (status,) = [s for s in report["statuses"] if s["name"] == "template"]
    assert status["ok"], status["error"]
    assert status["platform"] == "template"
    assert status["source"] == "claudery_template.plugin"
    assert status["version"] == "0.1.0"
    assert set(TestTemplateConformance.required_hooks) <= set(status["hooks"])
