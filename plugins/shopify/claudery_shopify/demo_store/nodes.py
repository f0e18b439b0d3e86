"""The GraphQL ``Product`` node: a dict of values and lazy resolvers the executor reads.

Scalars are plain values; fields with arguments or costly values (nested connections, price range, total
inventory) are callables taking the field's arguments, so a query pays only for what it selects.
"""

from __future__ import annotations

from typing import Any

from claudery_shopify.demo_store import formats as fmt
from claudery_shopify.demo_store import generator as gen
from claudery_shopify.demo_store.connections import connection, encode_cursor, positional
from claudery_shopify.demo_store.generator import Core, Env


def product_node(env: Env, core: Core, kind: str = "") -> dict[str, Any]:
    """Build the node of one product (``kind``: how it is malformed, "" if it is not)."""
    pid, seed = core.id, env.seed
    axes = gen.option_axes(core.n_variants)
    html = gen.description_html(seed, core)
    node: dict[str, Any] = {}

    def back_reference(_args: dict[str, Any] | None = None) -> dict[str, Any]:
        return node

    def variant(k: int) -> dict[str, Any]:
        v = gen.variant_node(env, core, k, axes, back_reference)
        if kind == "bad_price":
            v["price"] = "12,99 EUR"
        return v

    def variants(args: dict[str, Any]) -> dict[str, Any]:
        n = core.n_variants
        sort_key = args.get("sortKey") or "POSITION"
        if sort_key in ("POSITION", "ID", "RELEVANCE"):
            positions, has_next, has_prev = positional(n, args)
            rows = [variant(k) for k in positions]
        else:  # SKU / TITLE: order every variant, then page by position in that order
            everything = sorted(
                (variant(k) for k in range(1, n + 1)), key=lambda v: (v[_SORT[sort_key]] or "", v["position"])
            )
            idx, has_next, has_prev = positional(n, args)
            rows = [everything[i - 1] for i in idx]
            positions = idx
        return connection(
            rows,
            lambda i: encode_cursor(pid * gen.VARIANT_FACTOR + rows[i]["position"], str(positions[i])),
            has_next,
            has_prev,
        )

    def media(args: dict[str, Any]) -> dict[str, Any]:
        positions, has_next, has_prev = positional(core.n_media, args)
        rows = [gen.media_node(env, core, j) for j in positions]
        return connection(
            rows,
            lambda i: encode_cursor(pid * gen.MEDIA_FACTOR + positions[i], str(positions[i])),
            has_next,
            has_prev,
        )

    def metafield_rows(args: dict[str, Any]) -> list[dict[str, Any]]:
        rows = [gen.metafield_node(env, core, i) for i in range(core.n_metafields)]
        if args.get("namespace"):
            rows = [r for r in rows if r["namespace"] == args["namespace"]]
        if args.get("keys"):
            rows = [r for r in rows if f"{r['namespace']}.{r['key']}" in args["keys"]]
        return rows

    def metafields(args: dict[str, Any]) -> dict[str, Any]:
        rows = metafield_rows(args)
        idx, has_next, has_prev = positional(len(rows), args)
        picked = [rows[i - 1] for i in idx]
        return connection(
            picked,
            lambda i: encode_cursor(int(picked[i]["legacyResourceId"]), str(idx[i])),
            has_next,
            has_prev,
        )

    def metafield(args: dict[str, Any]) -> dict[str, Any] | None:
        ns = args.get("namespace")
        key = args["key"]
        if ns is None and "." in key:
            ns, key = key.split(".", 1)
        for row in metafield_rows({}):
            if row["key"] == key and (ns is None or row["namespace"] == ns):
                return row
        return None

    def collections(args: dict[str, Any]) -> dict[str, Any]:
        members = [env.collections[i] for i in core.collections if i < len(env.collections)]
        idx, has_next, has_prev = positional(len(members), args)
        rows = [gen.collection_node(members[i - 1]) for i in idx]
        return connection(
            rows, lambda i: encode_cursor(members[idx[i] - 1]["id"], str(idx[i])), has_next, has_prev
        )

    def price_range(_args: dict[str, Any]) -> dict[str, Any]:
        prices = [gen.variant_price(core, k) for k in range(1, min(core.n_variants, 5) + 1)]
        lo, hi = min(prices), max(prices)  # the step repeats every 5 positions: 5 give the range
        cur = env.currency
        amount = "NaN" if kind == "bad_price" else None
        return {
            "minVariantPrice": {"amount": amount or fmt.decimal_amount(lo), "currencyCode": cur},
            "maxVariantPrice": {"amount": amount or fmt.decimal_amount(hi), "currencyCode": cur},
        }

    def total_inventory(_args: dict[str, Any]) -> int:
        return sum(gen.variant_inventory(seed, core, k) for k in range(1, core.n_variants + 1))

    def options(args: dict[str, Any]) -> list[dict[str, Any]]:
        opts = [
            {
                "id": f"gid://shopify/ProductOption/{pid * 8 + i + 1}",
                "name": name,
                "position": i + 1,
                "values": list(values),
            }
            for i, (name, values) in enumerate(axes)
        ]
        return opts[: args["first"]] if args.get("first") is not None else opts

    def featured(_args: dict[str, Any]) -> dict[str, Any] | None:
        return gen.media_node(env, core, 1) if core.n_media else None

    def description(args: dict[str, Any]) -> str:
        text = fmt.strip_html(html)
        n = args.get("truncateAt")
        return text if n is None or len(text) <= n else text[: max(0, n - 1)].rstrip() + "…"

    handle = core.handle
    node.update(
        {
            "__typename": "Product",
            "id": f"gid://shopify/Product/{pid}",
            "legacyResourceId": str(pid),
            "title": None if kind == "null_title" else core.title,
            "handle": handle,
            "description": description,
            "descriptionHtml": "<p>Broken <b>markup<div></p>\u0000\u001f" if kind == "bad_html" else html,
            "vendor": core.vendor,
            "productType": core.product_type,
            "status": core.status,
            "tags": list(core.tags),
            "createdAt": fmt.iso(core.created),
            "updatedAt": fmt.iso(core.updated),
            "publishedAt": fmt.iso(core.published) if core.published else None,
            "onlineStoreUrl": f"https://{env.domain}/products/{handle}" if core.published else None,
            "totalInventory": total_inventory,
            "tracksInventory": True,
            "hasOnlyDefaultVariant": core.n_variants == 1,
            "templateSuffix": None,
            "seo": {"title": None, "description": None},
            "options": options,
            "priceRangeV2": price_range,
            "variantsCount": {"count": core.n_variants, "precision": "EXACT"},
            "mediaCount": {"count": core.n_media, "precision": "EXACT"},
            "featuredMedia": featured,
            "variants": variants,
            "media": media,
            "metafields": metafields,
            "metafield": metafield,
            "collections": collections,
        }
    )
    return node


_SORT = {"SKU": "sku", "TITLE": "title"}
