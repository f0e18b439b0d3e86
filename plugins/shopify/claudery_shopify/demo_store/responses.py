"""The response value the app returns and the HTTP layer writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class Response:
    """An HTTP answer: a body (bytes, or an iterable of chunks to stream), or ``drop`` the connection."""

    status: int
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    drop: bool = False
    delay_s: float = 0.0  #: wait this long before answering (the injected timeout)


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer."""
    return Response(status, orjson.dumps(data), dict(headers or {}))


def errors_string(status: int, message: str) -> Response:
    """Shopify's REST-style ``{"errors": "..."}`` body (401, 402, 404, 423, 429)."""
    return json_response(status, {"errors": message})
