"""Tests of the template plugin: the conformance suite, its own behaviour, and that it installs.

When you copy the template, keep this file (renamed after your platform) and:

* point :class:`TestTemplateConformance` at your plugin, with your credential cases;
* replace :class:`FakeTemplateApi` with a mock of your platform's API (or a demo store), so that the
  live half of the conformance suite runs in CI without a real account;
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from hub.conformance import PlatformConformance
from hub.contract import ErrorKind, FetchRequest, PlatformError, PluginContext

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
if importlib.util.find_spec("claudery_template") is None:
    # In the hub's repository the template is deliberately not installed (it would appear in the
    # platform dropdown), so its tests import it from the checkout. A copy you pip-installed is found
    # the normal way and this line does nothing.
    sys.path.insert(0, str(TEMPLATE_DIR))
plugin = importlib.import_module("claudery_template.plugin")
SHOP_URL = "https://demo.template.test"
TOKEN = "tpl_0123456789abcdef"


class FakeTemplateApi:
    """The made-up platform's API, served by ``responses``: a shop with a few products.

    REPLACE with a mock of your platform, or with its demo store. It checks the token like the real
    API would, so wrong credentials get a real 401, and pages with an opaque cursor.
    """

    def __init__(self, products: int = 7) -> None:
        self.products = [
            {"id": 100 + n, "name": f"Product {n}", "sku": f"SKU-{n}", "price": f"{10 + n}.50"}
            for n in range(products)
        ]
        self.products[4]["name"] = None  # one malformed record: must become a RecordError, not a crash

    def _authorized(self, request: requests.PreparedRequest) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    def ping(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if not self._authorized(request):
            return 401, {}, json.dumps({"error": "invalid token"})
        shop = {"name": "Demo Shop", "domain": "demo.template.test", "currency": "EUR"}
        return 200, {}, json.dumps({"shop": {**shop, "product_count": len(self.products)}})

    def list_products(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if not self._authorized(request):
            return 401, {}, json.dumps({"error": "invalid token"})
        params = dict(parse_qsl(urlsplit(request.url).query))
        limit = int(params.get("limit", 100))
        # an opaque cursor for the hub; here simply the offset, in a form nobody should parse
        start = int(params["cursor"].removeprefix("o")) if params.get("cursor") else 0
        page = self.products[start : start + limit]
        following = start + limit
        next_cursor = f"o{following}" if following < len(self.products) else None
        body = {"products": page, "next_cursor": next_cursor, "total": len(self.products)}
        return 200, {}, json.dumps(body)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, f"{SHOP_URL}/api/ping", callback=self.ping)
        rsps.add_callback(responses.GET, f"{SHOP_URL}/api/products", callback=self.list_products)


# --------------------------------------------------------------------------------------------------
# (a) the conformance suite
# --------------------------------------------------------------------------------------------------


class TestTemplateConformance(PlatformConformance):
    """The template passes the hub's platform conformance suite; so must every copy of it."""

    plugin = plugin
    platform = "template"
    # no backoff sleeps in tests: the offline network test would otherwise wait on retries
    settings: Mapping[str, Any] = {"TEMPLATE_BACKOFF": 0}

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

    @pytest.fixture
    def live_credentials(self) -> Iterator[dict[str, Any]]:
        """The fake API stands in for a real shop while the test runs."""
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            FakeTemplateApi().install(rsps)
            yield {"shop_url": SHOP_URL, "api_token": TOKEN}

    @pytest.fixture
    def live_settings(self) -> Mapping[str, Any]:
        return {"TEMPLATE_PAGE_SIZE": 3}  # 7 products → 3 pages, so resuming is really tested


# --------------------------------------------------------------------------------------------------
# the template's own behaviour (keep the ones that still apply after your changes)
# --------------------------------------------------------------------------------------------------


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


def test_fetch_reports_malformed_records_and_goes_on() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        FakeTemplateApi().install(rsps)
        pages = list(
            plugin.fetch_products(
                "template",
                {"shop_url": SHOP_URL, "api_token": TOKEN},
                FetchRequest(),
                PluginContext(settings={"TEMPLATE_PAGE_SIZE": 3}),
            )
        )
    assert [len(p.products) for p in pages] == [3, 2, 1]
    assert [(e.product_id, e.message) for p in pages for e in p.errors] == [("104", "name is missing")]


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
