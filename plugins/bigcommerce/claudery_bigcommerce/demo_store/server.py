"""The HTTP layer: a threaded HTTP/1.1 (keep-alive) server in front of :class:`DemoStoreApp`."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from claudery_bigcommerce.demo_store import admin, images
from claudery_bigcommerce.demo_store.app import DemoStoreApp
from claudery_bigcommerce.demo_store.config import DemoStoreConfig
from claudery_bigcommerce.demo_store.responses import Response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as BigCommerce and the client's requests.Session expect
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall
    timeout = 120  # idle keep-alive connections release their thread eventually
    app: DemoStoreApp

    def version_string(self) -> str:
        """The ``Server`` header BigCommerce's edge sends."""
        return "openresty"

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
        elif path.startswith(images.PREFIX):
            resp = images.handle(self.command, path, headers)
        else:
            endpoint, resp = self.app.handle(self.command, path, query, headers, body)
            self.app.count(endpoint, 0 if resp.drop else resp.status)
        if resp.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(resp, headers, started)

    def _write(self, resp: Response, headers: dict[str, str], started: float) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type if resp.status != 204 else "application/json")
        for name, value in resp.headers.items():
            if resp.rate_headers or not name.startswith("X-R"):
                self.send_header(name, value)
        if isinstance(resp.body, bytes | bytearray):
            body = bytes(resp.body)
            if self.app.config.gzip and "gzip" in headers.get("accept-encoding", "") and len(body) > 1024:
                body = gzip.compress(body, compresslevel=1)
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")
            self.end_headers()
            if resp.slow_ms and body:
                self._trickle(body, resp.slow_ms)
            elif body:
                self.wfile.write(body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in resp.body:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _trickle(self, body: bytes, slow_ms: float) -> None:
        pieces = 10
        size = max(1, -(-len(body) // pieces))
        for start in range(0, len(body), size):
            self.wfile.write(body[start : start + size])
            self.wfile.flush()
            time.sleep(slow_ms / 1000 / pieces)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class DemoStoreServer:
    """A demo store listening on ``config.host:config.port`` (0 = a free port), served from a thread."""

    def __init__(self, config: DemoStoreConfig | None = None) -> None:
        self.config = config or DemoStoreConfig()
        self.app = DemoStoreApp(self.config)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> DemoStoreServer:
        """Bind and serve in a background thread; returns once the socket is listening."""
        handler = type("DemoStoreHandler", (_Handler,), {"app": self.app})
        self._httpd = _Server((self.config.host, self.config.port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="demo-store-http", daemon=True)  # fmt: skip
        if self.config.serve_images:
            # Product images point here, not at BigCommerce's CDN: the demo's pages show real pictures offline.
            for state in self.app.stores.values():
                state.catalog.image_base = self.base_url + images.PREFIX.rstrip("/")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Block until :meth:`stop` is called from another thread or a signal handler."""
        if self._thread is not None:
            self._thread.join()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        self.app.webhooks.close()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._httpd is not None, "not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:8123``: clients use ``f"{base_url}/stores/{hash}/v3/..."``."""
        host = self.config.host if self.config.host not in ("0.0.0.0", "") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    @property
    def store_hash(self) -> str:
        """Hash of the first (default) store."""
        return self.config.stores[0].hash

    @property
    def access_token(self) -> str:
        """Access token of the first (default) API account."""
        return self.config.stores[0].access_token

    def __enter__(self) -> DemoStoreServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
