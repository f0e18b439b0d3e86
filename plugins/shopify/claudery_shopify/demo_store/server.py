"""The HTTP layer: a threaded HTTP/1.1 (keep-alive) server in front of :class:`DemoStoreApp`."""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from claudery_shopify.demo_store import admin
from claudery_shopify.demo_store.app import DemoStoreApp
from claudery_shopify.demo_store.config import DemoStoreConfig
from claudery_shopify.demo_store.ratelimit import Clock
from claudery_shopify.demo_store.responses import Response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Shopify and a requests.Session expect
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the delayed-ACK stall
    timeout = 120  # idle keep-alive connections release their thread eventually
    app: DemoStoreApp

    def version_string(self) -> str:
        """The ``Server`` header Shopify's edge sends."""
        return "cloudflare"

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log: it would cost more than serving the request."""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        started = time.perf_counter()
        if path.startswith("/__demo/"):
            resp = admin.handle(self.app, self.command, path, query, body)
        else:
            resp = self.app.handle(self.command, path, query, headers, body)
        if resp.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if resp.delay_s:
            time.sleep(resp.delay_s)
        self._write(resp, started)

    def _write(self, resp: Response, started: float) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if isinstance(resp.body, bytes | bytearray):
            body = bytes(resp.body)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")
            self.end_headers()
            if body:
                self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in resp.body:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class DemoStoreServer:
    """A demo store listening on ``config.host:config.port`` (0 = a free port), served from a thread."""

    def __init__(self, config: DemoStoreConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or DemoStoreConfig()
        self.app = DemoStoreApp(self.config, clock)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def freeze_catalogs(self) -> None:
        """Move the long-lived catalogs out of the garbage collector's way (a dedicated process only).

        Otherwise every full collection walks hundreds of thousands of objects in the middle of some
        request (a 100 to 300 ms stall at 100,000 products). Process-wide, so not done for in-process use.
        """
        gc.collect()
        gc.freeze()

    def start(self) -> DemoStoreServer:
        """Bind and serve in a background thread; returns once the socket is listening."""
        handler = type("ShopifyDemoStoreHandler", (_Handler,), {"app": self.app})
        self._httpd = _Server((self.config.host, self.config.port), handler)
        self.app.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="shopify-demo-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread or a signal handler."""
        if self._thread is not None:
            self._thread.join()

    def stop(self) -> None:
        """Stop serving, release the port, delete bulk files."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.app.webhooks.close()
        self.app.bulk.close()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._httpd is not None, "not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:8123``."""
        host = self.config.host if self.config.host not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def shop(self) -> str:
        """Handle of the first (default) shop."""
        return self.config.shops[0].handle

    @property
    def access_token(self) -> str:
        """Access token of the first (default) app."""
        return self.config.shops[0].access_token

    def shop_url(self, handle: str | None = None) -> str:
        """The base a client uses instead of ``https://{handle}.myshopify.com``: ``{base_url}/shops/{handle}``."""
        return f"{self.base_url}/shops/{handle or self.shop}"

    def graphql_url(self, version: str = "2026-10", handle: str | None = None) -> str:
        """The GraphQL endpoint of a shop."""
        return f"{self.shop_url(handle)}/admin/api/{version}/graphql.json"

    def __enter__(self) -> DemoStoreServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
