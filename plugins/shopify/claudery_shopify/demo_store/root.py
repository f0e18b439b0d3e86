"""The root objects of one request: ``QueryRoot`` and ``Mutation`` resolvers bound to a shop and an app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from claudery_shopify.demo_store import generator as gen
from claudery_shopify.demo_store.config import PLAN_NAMES, READ_PRODUCTS
from claudery_shopify.demo_store.connections import connection, encode_cursor, positional
from claudery_shopify.demo_store.errors import FieldError, access_denied
from claudery_shopify.demo_store.variants import variants_connection, variants_count

if TYPE_CHECKING:
    from claudery_shopify.demo_store.app import DemoStoreApp
    from claudery_shopify.demo_store.executor import Execution
    from claudery_shopify.demo_store.shops import AppInstall, ShopState

PRODUCT_TYPES = {
    "Product",
    "ProductVariant",
    "MediaImage",
    "Video",
    "Metafield",
    "Collection",
    "ProductOption",
}


@dataclass
class RequestInfo:
    """What one request resolved against, for the pipeline to act on afterwards."""

    version: str
    products_pages: int = 0  #: products connections served (drives paging churn)
    search_warnings: list[dict[str, Any]] | None = None


def parse_gid(gid: str) -> tuple[str, int] | None:
    """``("Product", 123)`` from ``gid://shopify/Product/123``; None if it is not a GID."""
    parts = gid.split("/")
    if len(parts) != 5 or parts[:3] != ["gid:", "", "shopify"] or not parts[4].isdigit():
        return None
    return parts[3], int(parts[4])


def query_root(
    app: DemoStoreApp,
    shop: ShopState,
    install: AppInstall,
    info: RequestInfo,
    execution: Execution | None = None,
    *,
    bulk: bool = False,
) -> dict[str, Any]:
    """The ``QueryRoot`` object for one request."""
    cat = shop.catalog
    cfg = app.config
    scopes = install.scopes

    def need(field: str) -> None:
        if READ_PRODUCTS not in scopes:
            raise access_denied(field, READ_PRODUCTS)

    def products(args: dict[str, Any]) -> dict[str, Any]:
        need("products")
        search = cat.search(args.get("query"), cfg.status_filter_default, cfg.search_index_lag_s)
        if search.warnings:
            info.search_warnings = (info.search_warnings or []) + [
                {"path": ["products"], "query": args.get("query"), "warnings": search.warnings}
            ]
        sort_key = args.get("sortKey") or "ID"
        cores, has_next, has_prev = cat.page(args, search, sort_key)
        if not bulk:
            info.products_pages += 1
        return connection(
            [cat.node(c) for c in cores], lambda i: cat.cursor(sort_key, cores[i]), has_next, has_prev
        )

    def product(args: dict[str, Any]) -> dict[str, Any] | None:
        need("product")
        return _lookup(f"{args['id']}", "Product")

    def products_count(args: dict[str, Any]) -> dict[str, Any]:
        need("productsCount")
        search = cat.search(args.get("query"), cfg.status_filter_default, cfg.search_index_lag_s)
        count, precision = cat.count(search, args.get("limit"))
        return {"count": count, "precision": precision}

    def product_variants(args: dict[str, Any]) -> dict[str, Any]:
        need("productVariants")
        conn, warnings = variants_connection(cat, args)
        if warnings:
            info.search_warnings = (info.search_warnings or []) + [
                {"path": ["productVariants"], "query": args.get("query"), "warnings": warnings}
            ]
        return conn

    def product_variants_count(args: dict[str, Any]) -> dict[str, Any]:
        need("productVariantsCount")
        return variants_count(cat, args, cfg.variants_count_ignores_query)

    def _lookup(gid: str, want: str | None = None) -> dict[str, Any] | None:
        parsed = parse_gid(gid)
        if parsed is None:
            raise FieldError(f"Invalid global id '{gid}'", "argumentLiteralsIncompatible")
        kind, num = parsed
        if want is not None and kind != want:
            return None
        if kind == "Product":
            core = cat.core(num)
            return cat.node(core) if core else None
        if kind == "ProductVariant":
            core = cat.core(num // gen.VARIANT_FACTOR)
            k = num % gen.VARIANT_FACTOR
            if core is None or not 1 <= k <= core.n_variants:
                return None
            node = cat.node(core)
            return gen.variant_node(cat.env, core, k, gen.option_axes(core.n_variants), lambda _a=None: node)
        if kind in ("MediaImage", "Video"):
            core = cat.core(num // gen.MEDIA_FACTOR)
            j = num % gen.MEDIA_FACTOR
            if core is None or not 1 <= j <= core.n_media:
                return None
            media = gen.media_node(cat.env, core, j)
            return media if media["__typename"] == kind else None
        if kind == "Metafield":
            core = cat.core(num // gen.METAFIELD_FACTOR)
            i = num % gen.METAFIELD_FACTOR
            return gen.metafield_node(cat.env, core, i) if core and i < core.n_metafields else None
        if kind == "Collection":
            index = cat.collection_index.get(num)
            return collection_node(index) if index is not None else None
        if kind == "BulkOperation":
            op = app.bulk.ops.get(num)
            if op is None or op.owner != (shop.handle, install.client_id):
                return None
            return app.bulk.poll(op).node(app.base_url)
        if kind == "WebhookSubscription":
            return next(
                (s for s in app.webhooks.visible(shop.handle, install.client_id) if s["id"] == gid), None
            )
        if kind == "Shop" and num == shop.shop_id:
            return shop_node()
        return None

    def node(args: dict[str, Any]) -> dict[str, Any] | None:
        found = _lookup(args["id"])
        if found is not None and found["__typename"] in PRODUCT_TYPES:
            need("node")
        return found

    def nodes(args: dict[str, Any]) -> list[dict[str, Any] | None]:
        ids = args["ids"]
        if len(ids) > 250:
            raise FieldError("The ids argument accepts at most 250 ids.", "BAD_REQUEST")
        found = [_lookup(i) for i in ids]
        if any(f is not None and f["__typename"] in PRODUCT_TYPES for f in found):
            need("nodes")
        return found

    def collection_node(index: int) -> dict[str, Any]:
        col = cat.collections[index]

        def members(args: dict[str, Any]) -> dict[str, Any]:
            search = cat.search(f"collection_id:{col['id']} {args.get('query') or ''}".strip())
            cores, has_next, has_prev = cat.page(args, search, "ID")
            return connection(
                [cat.node(c) for c in cores], lambda i: cat.cursor("ID", cores[i]), has_next, has_prev
            )

        def count() -> int:
            return cat.count(cat.search(f"collection_id:{col['id']}"), None)[0]

        return gen.collection_node(col, count, members)

    def collections(args: dict[str, Any]) -> dict[str, Any]:
        need("collections")
        rows = list(range(len(cat.collections)))
        if args.get("query"):
            word = args["query"].lower().replace("title:", "")
            rows = [i for i in rows if word in cat.collections[i]["title"].lower()]
        idx, has_next, has_prev = positional(len(rows), args)
        picked = [rows[i - 1] for i in idx]
        return connection(
            [collection_node(i) for i in picked],
            lambda i: encode_cursor(cat.collections[picked[i]]["id"], str(idx[i])),
            has_next,
            has_prev,
        )

    def collection(args: dict[str, Any]) -> dict[str, Any] | None:
        need("collection")
        return _lookup(args["id"], "Collection")

    def shop_node(_args: dict[str, Any] | None = None) -> dict[str, Any]:
        domain = f"{shop.handle}.myshopify.com"
        return {
            "__typename": "Shop",
            "id": f"gid://shopify/Shop/{shop.shop_id}",
            "name": shop.name,
            "email": f"owner@{shop.handle}.example.com",
            "contactEmail": f"owner@{shop.handle}.example.com",
            "myshopifyDomain": domain,
            "url": f"https://{domain}",
            "primaryDomain": {
                "__typename": "Domain",
                "id": f"gid://shopify/Domain/{shop.shop_id + 11}",
                "host": domain,
                "url": f"https://{domain}",
                "sslEnabled": True,
            },
            "currencyCode": shop.currency,
            "ianaTimezone": "America/New_York",
            "timezoneAbbreviation": "EST",
            "plan": {
                "displayName": PLAN_NAMES[shop.plan],
                "publicDisplayName": PLAN_NAMES[shop.plan],
                "partnerDevelopment": False,
                "shopifyPlus": shop.plan in ("plus", "enterprise"),
            },
            "createdAt": "2021-03-14T09:26:53Z",
            "updatedAt": "2025-11-20T08:00:00Z",
        }

    def installation(_args: dict[str, Any]) -> dict[str, Any]:
        return {
            "__typename": "AppInstallation",
            "id": f"gid://shopify/AppInstallation/{install.install_id}",
            "accessScopes": [{"handle": s, "description": s.replace("_", " ")} for s in install.granted],
        }

    def bulk_operation(args: dict[str, Any]) -> dict[str, Any] | None:
        return _lookup(args["id"], "BulkOperation")

    def current_bulk(_args: dict[str, Any]) -> dict[str, Any] | None:
        mine = [op for op in app.bulk.ops.values() if op.owner == (shop.handle, install.client_id)]
        if not mine:
            return None
        return app.bulk.poll(mine[-1]).node(app.base_url)

    def webhook_subscriptions(args: dict[str, Any]) -> dict[str, Any]:
        subs = app.webhooks.visible(shop.handle, install.client_id)
        if args.get("topics"):
            subs = [s for s in subs if s["topic"] in args["topics"]]
        if args.get("uri") or args.get("callbackUrl"):
            subs = [s for s in subs if s["uri"] == (args.get("uri") or args.get("callbackUrl"))]
        idx, has_next, has_prev = positional(len(subs), args)
        picked = [subs[i - 1] for i in idx]
        return connection(picked, lambda i: encode_cursor(picked[i]["_sid"], str(idx[i])), has_next, has_prev)

    return {
        "shop": shop_node,
        "currentAppInstallation": installation,
        "product": product,
        "products": products,
        "productsCount": products_count,
        "productVariant": lambda a: (need("productVariant"), _lookup(a["id"], "ProductVariant"))[1],
        "productVariants": product_variants,
        "productVariantsCount": product_variants_count,
        "collection": collection,
        "collections": collections,
        "node": node,
        "nodes": nodes,
        "bulkOperation": bulk_operation,
        "currentBulkOperation": current_bulk,
        "webhookSubscription": lambda a: _lookup(a["id"], "WebhookSubscription"),
        "webhookSubscriptions": webhook_subscriptions,
    }


def mutation_root(
    app: DemoStoreApp, shop: ShopState, install: AppInstall, info: RequestInfo, execution: Execution
) -> dict[str, Any]:
    """The ``Mutation`` object for one request."""
    owner = (shop.handle, install.client_id)

    def run_query(args: dict[str, Any]) -> dict[str, Any]:
        errors = app.bulk.check(args["query"])
        if not errors:
            running = app.bulk.running(owner)
            if len(running) >= app.bulk.limit_for(info.version):
                errors = [
                    {
                        "field": None,
                        "code": "OPERATION_IN_PROGRESS",
                        "message": "A bulk query operation for this app and shop is already in progress: "
                        f"{running[0].gid}.",
                    }
                ]
        if errors:
            return {"bulkOperation": None, "userErrors": errors}
        root = query_root(app, shop, install, info, execution, bulk=True)
        op = app.bulk.start(args["query"], owner, root, execution)
        return {"bulkOperation": op.node(app.base_url), "userErrors": []}

    def cancel(args: dict[str, Any]) -> dict[str, Any]:
        parsed = parse_gid(args["id"])
        op = app.bulk.ops.get(parsed[1]) if parsed and parsed[0] == "BulkOperation" else None
        if op is None or op.owner != owner:
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Bulk operation does not exist"}],
            }
        app.bulk.cancel(op)
        return {"bulkOperation": op.node(app.base_url), "userErrors": []}

    def subscribe(args: dict[str, Any]) -> dict[str, Any]:
        sub, errors = app.webhooks.create(
            shop.handle,
            install.client_id,
            args["topic"],
            args["webhookSubscription"],
            info.version,
            app.clock.time(),
        )
        return {"webhookSubscription": sub, "userErrors": errors}

    def unsubscribe(args: dict[str, Any]) -> dict[str, Any]:
        if app.webhooks.delete(shop.handle, install.client_id, args["id"]):
            return {"deletedWebhookSubscriptionId": args["id"], "userErrors": []}
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
        }

    return {
        "bulkOperationRunQuery": run_query,
        "bulkOperationCancel": cancel,
        "webhookSubscriptionCreate": subscribe,
        "webhookSubscriptionDelete": unsubscribe,
    }
