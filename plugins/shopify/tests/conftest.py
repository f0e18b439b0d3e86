"""Fixtures of the Shopify plugin's tests: the demo store as a separate process (real HTTP)."""

from claudery_shopify.demo_store.testing import (  # noqa: F401 - fixtures used by name
    shopify_demo_store,
    shopify_demo_store_factory,
)
