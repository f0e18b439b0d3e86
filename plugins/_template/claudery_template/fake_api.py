"""A tiny fake of the made-up platform's API: a real HTTP server on 127.0.0.1, for the demo and the tests.

REPLACE with a stand-in for your platform (or drop it and let your tests mock the API). Serving real
HTTP from a thread keeps the plugin's own code paths (sessions, headers, timeouts) under test. The
made-up API, all under ``Authorization: Bearer <token>``:

* ``GET /api/ping`` → ``{"shop": {"name", "domain", "currency", "product_count"}}``
* ``GET /api/products?limit=N[&cursor=C][&updated_since=ISO][&ids=1,2]`` → **wrapped**:
  ``{"data": [product, ...], "meta": {"next_cursor": C | null, "total": N}}``. The cursor is the
  platform's own, keyset by id, so paging is exact while products are deleted.
* ``GET /api/v2/products?limit=N&offset=O[&updated_since=ISO]`` → a **bare array** ``[product, ...]``,
  ordered by id, with the total in ``X-Total-Count`` and the next page in ``Link: <url>; rel="next"``.
  Offset paging: deleting a product that was already read shifts the rest back (the plugin guards it).
* ``GET /api/product_ids?limit=N[&after=ID]`` → ``{"data": [id, ...], "meta": {"next_after": ID | null}}``
* ``GET /api/categories`` → ``{"data": [{"id", "name", "parent_id", "slug"}]}``

A product: ``{"id", "name", "sku", "price", "sale_price", "status", "stock", "slug", "permalink",
"description", "category_ids", "tags", "images": [{"id", "src", "thumbnail", "alt"}], "created_at",
"updated_at"}`` with ISO-8601 UTC times (``...Z``) and integer ids.

:class:`FakeShopAdmin` changes the catalog in process; it is the demo store's
:class:`hub.contract.CatalogAdmin`, which the conformance suite's live checks use.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

DEMO_TOKEN = "tpl_demo0123456789abcdef"  # noqa: S105 - the fake shop's token, public by design
#: when the generated catalog was last modified: well in the past, so incremental checks see only edits
CATALOG_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
CATEGORIES = [
    {"id": 1, "name": "Clothing", "parent_id": None, "slug": "clothing"},
    {"id": 2, "name": "Shirts", "parent_id": 1, "slug": "shirts"},
    {"id": 3, "name": "Accessories", "parent_id": None, "slug": "accessories"},
]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class FakeShop:
    """The shop's state: products by id, thread-safe (the server answers from several threads)."""

    def __init__(self, products: int = 7, *, token: str = DEMO_TOKEN, malformed: bool = False) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.products: dict[int, dict[str, Any]] = {}
        self.next_id = 100
        for n in range(products):
            self._add(f"Product {n}", CATALOG_EPOCH + timedelta(hours=n))
        if malformed and products > 4:
            # one malformed record: the plugin must report it as a RecordError and go on
            self.products[104]["name"] = None

    def _add(self, name: str, when: datetime) -> int:
        pid = self.next_id
        self.next_id += 1
        n = pid - 100
        self.products[pid] = {
            "id": pid,
            "name": name,
            "sku": f"SKU-{n}",
            "price": f"{10 + n}.50",
            "sale_price": f"{9 + n}.00" if n % 3 == 0 else None,
            "status": "draft" if n % 5 == 3 else "active",
            "stock": None if n % 4 == 1 else n % 3,
            "slug": f"product-{n}",
            "description": f"<p>Product number {n}.</p>",
            "category_ids": [2 if n % 2 else 3],
            "tags": ["new"] if n % 2 else [],
            "images": [
                {
                    "id": pid * 10,
                    "src": f"https://img.template.test/{pid}.jpg",
                    "thumbnail": f"https://img.template.test/{pid}-thumb.jpg",
                    "alt": name,
                }
            ],
            "created_at": _iso(when),
            "updated_at": _iso(when),
        }
        return pid

    # ----- changes (the CatalogAdmin) --------------------------------------------------------------

    def create(self, name: str) -> int:
        """Add a product modified now; return its id (ids only grow)."""
        with self.lock:
            return self._add(name, datetime.now(UTC))

    def update(self, pid: int, name: str) -> None:
        """Rename a product; its ``updated_at`` becomes now. KeyError when it does not exist."""
        with self.lock:
            record = self.products[pid]
            record["name"] = name
            record["updated_at"] = _iso(datetime.now(UTC))

    def delete(self, pid: int) -> None:
        """Delete a product. KeyError when it does not exist."""
        with self.lock:
            del self.products[pid]

    # ----- reads -------------------------------------------------------------------------------------

    def select(self, updated_since: str | None = None, ids: str | None = None) -> list[dict[str, Any]]:
        """Products ordered by id, filtered like the API filters them (``updated_since`` inclusive)."""
        since = datetime.fromisoformat(updated_since.replace("Z", "+00:00")) if updated_since else None
        wanted = {int(i) for i in ids.split(",") if i.strip().isdigit()} if ids is not None else None
        with self.lock:
            rows = [dict(self.products[pid]) for pid in sorted(self.products)]
        if since is not None:
            rows = [
                r for r in rows if datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00")) >= since
            ]
        if wanted is not None:
            rows = [r for r in rows if r["id"] in wanted]
        return rows


class FakeShopAdmin:
    """The :class:`hub.contract.CatalogAdmin` of a :class:`FakeShop`: string ids, as the contract has them."""

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop

    def product_ids(self) -> list[str]:
        """Every product id the shop has now."""
        with self.shop.lock:
            return [str(pid) for pid in sorted(self.shop.products)]

    def create_product(self, name: str) -> str:
        """Create a product; return its id."""
        return str(self.shop.create(name))

    def update_product(self, product_id: str, name: str) -> None:
        """Rename a product (its modification time moves forward)."""
        self.shop.update(int(product_id), name)

    def delete_product(self, product_id: str) -> None:
        """Delete a product."""
        self.shop.delete(int(product_id))


def _cursor_after(pid: int) -> str:
    """The platform's opaque cursor (the plugin never reads it, it only passes it back)."""
    return base64.urlsafe_b64encode(f"after:{pid}".encode()).decode()


def _read_cursor(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("after:"))


class _Handler(BaseHTTPRequestHandler):
    shop: FakeShop
    base_url: str

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read assertions, not access logs."""

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        """Answer one API request."""
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query))
        if self.headers.get("Authorization") != f"Bearer {self.shop.token}":
            self._send(401, {"error": "invalid token"})
            return
        try:
            limit = max(1, min(250, int(params.get("limit", 50))))
            routes = {
                "/api/ping": self._ping,
                "/api/products": self._wrapped,
                "/api/v2/products": self._bare,
                "/api/product_ids": self._ids,
                "/api/categories": lambda *_: self._send(200, {"data": CATEGORIES}),
            }
            route = routes.get(parts.path)
            if route is None:
                self._send(404, {"error": "not found"})
                return
            route(params, limit)
        except ValueError as exc:
            self._send(400, {"error": str(exc)})

    def _ping(self, params: dict[str, str], limit: int) -> None:
        with self.shop.lock:
            count = len(self.shop.products)
        shop = {
            "name": "Demo Shop",
            "domain": "demo.template.test",
            "currency": "EUR",
            "product_count": count,
        }
        self._send(200, {"shop": shop})

    def _wrapped(self, params: dict[str, str], limit: int) -> None:
        rows = self.shop.select(params.get("updated_since"), params.get("ids"))
        total = len(rows)
        if params.get("cursor"):
            after = _read_cursor(params["cursor"])
            rows = [r for r in rows if r["id"] > after]
        page = rows[:limit]
        next_cursor = _cursor_after(page[-1]["id"]) if len(rows) > limit else None
        self._send(200, {"data": page, "meta": {"next_cursor": next_cursor, "total": total}})

    def _bare(self, params: dict[str, str], limit: int) -> None:
        rows = self.shop.select(params.get("updated_since"))
        offset = max(0, int(params.get("offset", 0)))
        page = rows[offset : offset + limit]
        headers = {"X-Total-Count": str(len(rows))}
        if offset + limit < len(rows):
            following = urlencode({**params, "offset": offset + limit, "limit": limit})
            headers["Link"] = f'<{self.base_url}/api/v2/products?{following}>; rel="next"'
        self._send(200, page, headers)

    def _ids(self, params: dict[str, str], limit: int) -> None:
        after = int(params.get("after", 0))
        with self.shop.lock:
            ids = [pid for pid in sorted(self.shop.products) if pid > after]
        page = ids[:limit]
        self._send(200, {"data": page, "meta": {"next_after": page[-1] if len(ids) > limit else None}})


class FakeApiServer:
    """Serves a :class:`FakeShop` over HTTP on a free local port, from a daemon thread."""

    def __init__(self, shop: FakeShop | None = None) -> None:
        self.shop = shop or FakeShop()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the shop URL to give the plugin."""
        assert self._server is not None, "the server is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeApiServer:
        """Listen on a free port and serve in the background; returns self."""
        handler = type("Handler", (_Handler,), {"shop": self.shop})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        handler.base_url = self.base_url
        # a short poll interval makes stop() quick: tests start a fresh shop for every live check
        server = self._server
        threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="template-fake-api", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
