"""Product pictures for the demo store: small generated SVGs, so the demo's catalog shows images offline.

Each image URL the demo store hands out (``/__images/s-{hash}/products/{id}/images/{image}/{slug}__….jpg``)
answers with a square tile: a colour picked from the product's name and its initials. The same URL always
gives the same bytes, so responses are cacheable for a day and carry an ETag.
"""

from __future__ import annotations

import functools
import hashlib
import re
from html import escape

from claudery_bigcommerce.demo_store.responses import Response

PREFIX = "/__images/"
MAX_AGE = 86_400
#: muted tones that read well behind white initials
PALETTE = ("#4b3fd8", "#0f766e", "#b45309", "#be123c", "#1d4ed8", "#7c3aed", "#047857", "#a16207", "#475569")
_SLUG = re.compile(r"/([a-z0-9-]+)__\d+[^/]*$")


@functools.lru_cache(maxsize=4096)
def tile(path: str) -> tuple[bytes, str]:
    """(SVG bytes, ETag) for an image path; the slug in the file name picks colour and initials."""
    match = _SLUG.search(path)
    words = [w for w in (match.group(1) if match else "product").split("-") if w and not w.isdigit()]
    initials = "".join(w[0] for w in words[:2]).upper() or "P"
    digest = hashlib.blake2b(path.encode(), digest_size=8).digest()
    colour = PALETTE[hashlib.blake2b("-".join(words[:3]).encode(), digest_size=1).digest()[0] % len(PALETTE)]
    angle = digest[0] % 90
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="330" height="330">'
        f'<rect width="100" height="100" fill="{colour}"/>'
        f'<rect x="-20" y="62" width="140" height="60" fill="#fff" opacity=".12" '
        f'transform="rotate({angle - 45} 50 50)"/>'
        '<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="34" '
        f'font-weight="600" fill="#fff">{escape(initials)}</text></svg>'
    ).encode()
    return svg, hashlib.blake2b(svg, digest_size=8).hexdigest()


def handle(method: str, path: str, headers: dict[str, str]) -> Response:
    """Answer a GET for a generated product image (304 when the browser already has it)."""
    if method != "GET" or ".." in path:
        return Response(404, b"", content_type="text/plain")
    body, etag = tile(path)
    cache = {"Cache-Control": f"public, max-age={MAX_AGE}, immutable", "ETag": f'"{etag}"'}
    if headers.get("if-none-match") == f'"{etag}"':
        resp = Response(304, b"", content_type="image/svg+xml")
    else:
        resp = Response(200, body, content_type="image/svg+xml")
    resp.headers.update(cache)
    resp.rate_headers = False
    return resp
