"""The demo store serves its own product pictures, so the demo's catalog and widget show images offline."""

from __future__ import annotations

from typing import Any

Client = Any  # the conftest helper class


def test_product_images_point_at_the_demo_store_and_are_served_cached(client: Client) -> None:
    body = client.get("/v3/catalog/products", limit=20, include="images").json()
    urls = [image["url_thumbnail"] for p in body["data"] for image in p.get("images", [])]
    assert urls and all(
        u.startswith(f"{client.server.base_url}/__images/s-{client.store_hash}/") for u in urls
    )

    first = client.session.get(urls[0], timeout=10)
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/svg+xml"
    assert first.content.startswith(b"<svg") and len(first.content) < 2048  # small
    assert "max-age=86400" in first.headers["Cache-Control"]
    again = client.session.get(urls[0], headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    assert client.session.get(urls[0], timeout=10).content == first.content  # stable bytes
    assert client.session.post(urls[0], timeout=10).status_code == 404
