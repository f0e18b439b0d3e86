"""Full fetches of big catalogs by bulk operation: start, poll with backoff, stream the JSONL file.

``bulkOperationRunQuery`` exports every product with its variants, media, metafields and collections
(``groupObjects: true``: each product's child lines follow it). The file is read as a stream, never
loaded whole: lines with ``__parentId`` are joined to their product, and a page is yielded every
``SHOPIFY_BULK_PAGE_SIZE`` products. The cursor remembers the operation id and the line where the next
page starts, so a worker killed mid-download resumes the *same* export (files stay downloadable for 7
days) at that line instead of starting a new one. A child line whose product was already yielded (a
file written without grouping) marks that product for a re-fetch by id at the end: nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import orjson
import requests

from hub.contract import ErrorKind, PlatformError, PluginContext, ProductPage, RecordError, StopRequested

from . import queries
from .catalog_ids import fetch_products_by_ids
from .client import ShopifyClient, Usage
from .cursor import Cursor
from .parsing import parse_product

log = logging.getLogger(__name__)

#: which nested connection a child line belongs to, by the type in its GID
CHILD_KINDS = {
    "ProductVariant": "variants",
    "MediaImage": "media",
    "Video": "media",
    "ExternalVideo": "media",
    "Model3d": "media",
    "Metafield": "metafields",
    "Collection": "collections",
}
START = (
    "mutation HubBulkStart($query: String!) { bulkOperationRunQuery(query: $query, groupObjects: true) { "
    "bulkOperation { id status } userErrors { field message code } } }"
)
POLL = (
    "query HubBulkPoll($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount "
    "rootObjectCount url partialDataUrl } } }"
)
#: statuses after which the operation's file will never come
GONE = frozenset({"FAILED", "CANCELED", "CANCELING", "EXPIRED"})
#: how many times a busy bulk slot (OPERATION_IN_PROGRESS) is waited for before the run is given back
MAX_BUSY_WAITS = 8


def export_query() -> str:
    """The bulk query: every product and its four nested connections (5 connections, 2 levels)."""
    nested = " ".join(
        f"{name} {{ edges {{ node {{ {fields} }} }} }}" for name, fields in queries.NESTED.items()
    )
    return f"{{ products {{ edges {{ node {{ {queries.PRODUCT_FIELDS} {nested} }} }} }} }}"


def fetch(
    client: ShopifyClient, cursor: Cursor | None, context: PluginContext, total: int | None = None
) -> Iterator[ProductPage]:
    """Yield the catalog from a bulk export, resuming ``cursor`` (its operation and line) when given."""
    usage = Usage()
    operation, line = (cursor.operation, cursor.line) if cursor and cursor.operation else (None, 0)
    url: str | None = None
    for attempt in range(2):  # a vanished export is started again once
        if operation is None:
            operation, line = start(client), 0
            # commit the operation id first: a worker killed while it runs resumes polling it
            yield _page(client, usage, Cursor(mode="bulk", operation=operation).encode(), total)
        try:
            url = wait_done(client, operation)
            break
        except _Gone as gone:
            if attempt:
                raise PlatformError(
                    ErrorKind.UNAVAILABLE,
                    f"Shopify's bulk export failed twice ({gone}); the hub retries later.",
                ) from None
            log.info("bulk operation %s is %s; starting a new one", operation, gone)
            operation = None
    if url is None:  # an empty catalog has no file
        yield _page(client, usage, None, total)
        return
    yield from download(client, operation or "", url, line, total, usage)


def start(client: ShopifyClient) -> str:
    """Start the export; wait while another bulk query of this app holds the slot."""
    delay = client.settings.bulk_poll_interval
    for _ in range(MAX_BUSY_WAITS):
        result = client.query(START, {"query": export_query()})
        payload = result.data.get("bulkOperationRunQuery") or {}
        errors = payload.get("userErrors") or []
        if not errors:
            return str((payload.get("bulkOperation") or {})["id"])
        if not any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors):
            raise PlatformError(
                ErrorKind.UNKNOWN, f"Shopify refused the hub's bulk export: {errors[0].get('message')}"
            )
        client.sleep(delay, rate_limit=True)
        delay = min(client.settings.bulk_poll_cap, max(delay * 2, 0.1))
    raise PlatformError(
        ErrorKind.RATE_LIMITED,
        "Another bulk export of this app is still running on the shop; the hub retries later.",
        retry_after=client.settings.bulk_poll_cap,
    )


class _Gone(Exception):
    """The operation ended without a file (failed, canceled, expired)."""


def wait_done(client: ShopifyClient, operation: str) -> str | None:
    """Poll until the operation completes (backoff); its file URL, or None when it has no rows."""
    delay = client.settings.bulk_poll_interval
    while True:
        node = client.query(POLL, {"id": operation}).data.get("node")
        if not isinstance(node, dict):
            raise _Gone("unknown")
        status = str(node.get("status") or "")
        if status == "COMPLETED":
            return node.get("url") or None
        if status in GONE:
            if node.get("errorCode") == "ACCESS_DENIED":
                from .errors import scope_error

                raise scope_error("read_products")
            raise _Gone(f"{status.lower()} {node.get('errorCode') or ''}".strip())
        client.sleep(delay)
        delay = min(client.settings.bulk_poll_cap, max(delay * 2, 0.1))


def download(
    client: ShopifyClient, operation: str, url: str, skip: int, total: int | None, usage: Usage
) -> Iterator[ProductPage]:
    """Stream the file from line ``skip``; pages end at product boundaries, retried from the last one."""
    failures = 0
    while True:
        reader = _Reader(client, operation, url, skip, total, usage)
        try:
            yield from reader.pages()
            break
        except (requests.RequestException, _Broken) as exc:
            failures += 1
            if failures > client.settings.max_retries:
                raise PlatformError(
                    ErrorKind.NETWORK, f"Could not download Shopify's bulk export ({type(exc).__name__})."
                ) from None
            skip = reader.committed  # the lines already yielded are not read again
            client.sleep(min(client.settings.backoff_cap, client.settings.backoff_base * 2**failures))
    if reader.late:
        yield from _refetch(client, sorted(reader.late), operation, reader.committed, total, usage)


class _Broken(Exception):
    """The file stream ended mid-line or sent something unreadable."""


class _Reader:
    """One pass over the file from line ``skip``."""

    def __init__(
        self, client: ShopifyClient, operation: str, url: str, skip: int, total: int | None, usage: Usage
    ):
        self.client, self.operation, self.url, self.total, self.usage = client, operation, url, total, usage
        self.committed = skip  #: the line where the next page starts
        self.late: set[str] = set()  #: products whose children came after they were yielded

    def pages(self) -> Iterator[ProductPage]:
        settings = self.client.settings
        with self.client.session.get(
            self.url,
            stream=True,
            timeout=(settings.connect_timeout, settings.read_timeout),
            allow_redirects=True,
        ) as resp:
            self.client.usage.requests += 1
            if resp.status_code != 200:
                if resp.status_code in (403, 404, 410):
                    raise PlatformError(
                        ErrorKind.UNAVAILABLE,
                        f"Shopify's bulk export file is no longer available (HTTP {resp.status_code}); the next "
                        "sync starts a new export.",
                    )
                raise _Broken(f"HTTP {resp.status_code}")
            batch: list[tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]] = []
            current: tuple[dict[str, Any], dict[str, list[dict[str, Any]]]] | None = None
            number = -1
            for number, raw in enumerate(resp.iter_lines(chunk_size=65536)):
                if number < self.committed or not raw:
                    continue
                try:
                    row = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    raise _Broken(f"line {number}") from None
                parent = row.pop("__parentId", None)
                if parent is None:
                    if self.client.should_stop():
                        raise StopRequested
                    if current is not None:
                        batch.append(current)
                    if len(batch) >= settings.bulk_page_size:
                        yield self._page(batch, number)
                        batch = []
                    current = (row, {name: [] for name in queries.NESTED})
                    continue
                kind = CHILD_KINDS.get(_gid_type(row.get("id")))
                if current is not None and parent == current[0].get("id") and kind:
                    current[1][kind].append(row)
                elif kind:
                    self.late.add(str(parent))
            if current is not None:
                batch.append(current)
            yield self._page(batch, None, end=number + 1)

    def _page(self, batch: list, next_line: int | None, end: int | None = None) -> ProductPage:
        page = ProductPage(products=[], total=self.total)
        for node, children in batch:
            record = parse_product(node, children)
            (page.errors if isinstance(record, RecordError) else page.products).append(record)  # type: ignore[arg-type]
        self.committed = next_line if next_line is not None else (end or self.committed)
        last = next_line is None and not self.late
        cursor = None if last else Cursor(mode="bulk", operation=self.operation, line=self.committed).encode()
        return _fill(page, self.client, self.usage, cursor)


def _gid_type(gid: Any) -> str:
    """``ProductVariant`` of ``gid://shopify/ProductVariant/1``."""
    parts = str(gid or "").split("/")
    return parts[-2] if len(parts) >= 2 else ""


def _refetch(
    client: ShopifyClient, ids: list[str], operation: str, line: int, total: int | None, usage: Usage
) -> Iterator[ProductPage]:
    """Products whose child lines were not next to them: fetched again, complete, by id."""
    pages = list(fetch_products_by_ids(client, ids))
    for i, page in enumerate(pages):
        page.total = total
        page.cursor = (
            None if i == len(pages) - 1 else Cursor(mode="bulk", operation=operation, line=line).encode()
        )
        yield page


def _page(client: ShopifyClient, usage: Usage, cursor: str | None, total: int | None) -> ProductPage:
    return _fill(ProductPage(products=[], total=total), client, usage, cursor)


def _fill(page: ProductPage, client: ShopifyClient, usage: Usage, cursor: str | None) -> ProductPage:
    """Set the cursor and the work done since the last page."""
    done = client.usage.since(usage)
    page.cursor, page.requests, page.rate_limit_wait = cursor, done.requests, done.rate_limit_wait
    page.throttled = done.throttled
    usage.requests, usage.rate_limit_wait = client.usage.requests, client.usage.rate_limit_wait
    usage.throttled = client.usage.throttled
    return page
