"""A local stand-in for the Shopify Admin GraphQL API (the "demo store").

It serves ``/shops/{handle}/admin/api/{version}/graphql.json`` (or the shop named by the Host header) like
``https://{handle}.myshopify.com``: same auth, error bodies, query cost and leaky bucket, THROTTLED
answers, cursors, nested connections, bulk operations and webhooks, from a deterministic generated
catalog, plus admin endpoints under ``/__demo/`` for tests. See ``docs/demo-store.md``.
"""

from claudery_shopify.demo_store.config import DemoStoreConfig, FaultConfig, PagingChanges, ShopConfig
from claudery_shopify.demo_store.launch import DemoStoreHandle, start_demo_store

__all__ = [
    "DemoStoreConfig",
    "DemoStoreHandle",
    "FaultConfig",
    "PagingChanges",
    "ShopConfig",
    "start_demo_store",
]
