"""A local stand-in for the BigCommerce store-level REST API (the "demo store").

It serves ``/stores/{hash}/v3/...`` and ``/stores/{hash}/v2/...`` like ``https://api.bigcommerce.com``
(same auth, envelopes, error bodies, rate-limit headers, pagination and filters) from a deterministic
generated catalog, plus admin endpoints under ``/__demo/`` for tests. See ``docs/demo-store.md``.
"""

from claudery_bigcommerce.demo_store.config import DemoStoreConfig, FaultConfig, PagingChanges, StoreConfig

__all__ = ["DemoStoreConfig", "FaultConfig", "PagingChanges", "StoreConfig"]
