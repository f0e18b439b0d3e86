"""Browser fixtures: Debian's Chromium driven by Playwright, the hub and a storefront served on real ports.

The hub runs in a werkzeug server thread; test storefront pages come from a second server on another port,
so the widget really loads cross-origin, under the Content-Security-Policy header the page is given.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class LiveServer:
    """A WSGI app on 127.0.0.1 and a free port, in a daemon thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.thread.join(10)


class Storefront:
    """A stand-in storefront: one HTML page, sent with the given CSP header, plus a stylesheet of its own."""

    CSS = (
        # Aggressive host styles: none of this may reach inside the widget.
        "* { font-family: Georgia, serif !important; }\n"
        "button { background: rgb(0, 255, 0) !important; border-radius: 0 !important; }\n"
        "ul, li { list-style: square; margin: 3rem; }\n"
        ".name { font-weight: 400; color: rgb(10, 20, 30); }\n"
    )

    def __init__(self, html: str = "", csp: str = "") -> None:
        self.html, self.csp = html, csp
        storefront = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/store.css"):
                    body, kind = storefront.CSS.encode(), "text/css"
                else:
                    body, kind = storefront.html.encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                if storefront.csp:
                    self.send_header("Content-Security-Policy", storefront.csp)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def show(self, snippet: str, hub_origin: str) -> None:
        """Serve a product-listing page embedding ``snippet`` under a strict CSP allowing only the hub."""
        self.csp = (
            f"default-src 'self'; script-src 'self' {hub_origin}; style-src 'self' {hub_origin}; "
            f"connect-src {hub_origin}; img-src * data:; base-uri 'none'; object-src 'none'"
        )
        self.html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Test storefront</title><link rel='stylesheet' href='/store.css'></head>"
            "<body><h1>Test storefront</h1><p class='name' id='host-name'>A host element named .name</p>"
            f"{snippet}</body></html>"
        )

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless Debian Chromium (never a downloaded browser); skipped where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (CI's .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def _local_only(route) -> None:
    # Product images point at the store's CDN: the tests never leave the machine.
    if re.match(r"^https?://(127\.0\.0\.1|localhost)[:/]", route.request.url):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def new_page(chromium_browser) -> Iterator[Callable]:
    """``new_page(**context_options)``: a page in a fresh context (own cache and cookies), local network only.

    Console messages are collected in ``page.console_messages`` so tests can assert no CSP violation.
    """
    contexts = []

    def factory(**options):
        context = chromium_browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        context.route("**/*", _local_only)
        page = context.new_page()
        page.console_messages = []
        page.on("console", lambda msg: page.console_messages.append(msg.text))
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def storefronts() -> Iterator[Callable[[], Storefront]]:
    """A factory of storefront servers, each on its own port (so its own origin)."""
    made: list[Storefront] = []

    def factory() -> Storefront:
        made.append(Storefront())
        return made[-1]

    yield factory
    for storefront in made:
        storefront.stop()


@pytest.fixture
def live_server() -> Iterator[Callable[[object], LiveServer]]:
    """``live_server(app)``: serve the app over real HTTP for the duration of the test."""
    servers: list[LiveServer] = []

    def factory(app) -> LiveServer:
        servers.append(LiveServer(app))
        return servers[-1]

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def artifacts(request) -> Path:
    """A fresh directory for this test's screenshots under test-artifacts/browser/."""
    path = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
