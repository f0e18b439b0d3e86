"""Responses and the documented error bodies (v3 envelope vs v2 list)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from claudery_bigcommerce.demo_store.formats import dumps

TYPE_ABS = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
TYPE_REL = "/api-docs/getting-started/api-status-codes"
JSON = "application/json"

TITLES = {
    401: "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this "
    "store.",
    403: "You don't have a required scope to access the endpoint",
    404: "The resource at that URL is not found.",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    413: "The specified limit exceeds the maximum allowed.",
    415: "Unsupported Media Type",
    422: "JSON data is missing or invalid",
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# Bodies exactly as the reference shows them: which "type" form and whether "errors" is present.
_SHAPES: dict[int, tuple[str, bool]] = {
    401: (TYPE_REL, False), 403: (TYPE_ABS, True), 404: (TYPE_ABS, False),
    429: (TYPE_REL, True), 503: (TYPE_REL, False), 504: (TYPE_REL, True),
}  # fmt: skip

GATEWAY_HTML = {
    502: b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    b"</center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n",
    504: b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway "
    b"Time-out</h1></center>\r\n<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n",
}


@dataclass
class Response:
    """What the HTTP layer sends. ``body`` may be an iterable of chunks (then sent chunked)."""

    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  #: close the connection without answering (fault)
    slow_ms: float = 0.0  #: trickle the body out over this long (fault)
    rate_headers: bool = True  #: add X-Rate-Limit-* headers (False for the "bare 429" fault)


def ok(data: object, status: int = 200) -> Response:
    """Return a v3 single-object envelope ``{"data": ..., "meta": {}}``."""
    return Response(status, b'{"data":' + dumps(data) + b',"meta":{}}')


def v3_error(status: int, title: str | None = None, *, errors: dict | None = None,
             type_: str | None = None) -> Response:  # fmt: skip
    """Return a v3 error envelope ``{status, title, type[, errors]}``."""
    default_type, with_errors = _SHAPES.get(status, (TYPE_ABS, True))
    body: dict[str, object] = {"status": status, "title": title or TITLES.get(status, "Error"),
                               "type": type_ or default_type}  # fmt: skip
    if errors is not None or with_errors:
        body["errors"] = errors or {}
    return Response(status, dumps(body))


def v2_error(status: int, message: str | None = None, details: dict | None = None) -> Response:
    """Return a v2 error body: a JSON *list* of ``{status, message[, details]}``."""
    item: dict[str, object] = {"status": status, "message": message or TITLES.get(status, "Error")}
    if details:
        item["details"] = details
    return Response(status, dumps([item]))


def error(version: str, status: int, title: str | None = None, **kw: object) -> Response:
    """Return the error body in the shape of the API version (``"v2"`` or ``"v3"``)."""
    if version == "v2":
        return v2_error(status, title, kw.get("details"))  # type: ignore[arg-type]
    return v3_error(status, title, errors=kw.get("errors"))  # type: ignore[arg-type]


def gateway_error(status: int) -> Response:
    """A 5xx as sent by the edge: 502/504 carry an HTML body (as gateways send), others the v3 envelope."""
    if status in GATEWAY_HTML:
        return Response(status, GATEWAY_HTML[status], content_type="text/html")
    return v3_error(status)
