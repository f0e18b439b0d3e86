"""Fault injection: latency with jitter, 5xx, dropped connections, slow bodies, bare 429s, malformed
records and catalog churn while a client pages. All switchable at run time; the dice are seeded."""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass

from claudery_bigcommerce.demo_store.catalog import Catalog
from claudery_bigcommerce.demo_store.config import FaultConfig, faults_from_dict


@dataclass
class Decision:
    """What to do to one request."""

    delay_s: float = 0.0
    action: str = ""  #: "" | "drop" | "error" | "bare429"
    status: int = 0
    slow_ms: float = 0.0


class FaultInjector:
    """Rolls the dice for each API request according to the current :class:`FaultConfig`."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        self._lock = threading.Lock()
        self._list_requests = 0
        self._rounds = 0

    def update(self, changes: dict) -> FaultConfig:
        """Apply partial settings (as in :class:`FaultConfig`) and return the new configuration."""
        with self._lock:
            self.config = faults_from_dict(changes, self.config)
            if "seed" in changes:
                self._rng = random.Random(self.config.seed)
            if "paging_changes" in changes:
                self._list_requests = self._rounds = 0
        return self.config

    def decide(self) -> Decision:
        """Roll for one request: latency, then at most one of drop / bare 429 / 5xx, then slow body."""
        c = self.config
        with self._lock:
            rng = self._rng
            d = Decision()
            if c.latency_ms or c.jitter_ms:
                d.delay_s = max(0.0, c.latency_ms + rng.uniform(-c.jitter_ms, c.jitter_ms)) / 1000
            roll = rng.random()
            if roll < c.drop_rate:
                d.action = "drop"
            elif roll < c.drop_rate + c.bare_429_rate:
                d.action = "bare429"
            elif roll < c.drop_rate + c.bare_429_rate + c.error_rate and c.error_statuses:
                d.action, d.status = "error", rng.choice(c.error_statuses)
            if c.slow_rate and rng.random() < c.slow_rate:
                d.slow_ms = c.slow_ms
        return d

    @property
    def damaging(self) -> bool:
        """True when some products are served damaged (malformed or hostile)."""
        return self.config.malformed_rate > 0 or self.config.hostile_rate > 0

    def malformed_kind(self, pid: int) -> str:
        """Return how product ``pid`` is damaged ("" if it is not): stable per product and seed."""
        roll = ((pid * 2654435761 + self.config.seed * 40503) % 4294967296) / 4294967296
        if roll < self.config.malformed_rate:
            return ("null_name", "price_string", "categories_string")[pid % 3]
        if roll < self.config.malformed_rate + self.config.hostile_rate:
            return HOSTILE_KINDS[pid % len(HOSTILE_KINDS)]
        return ""

    def after_product_list(self, cat: Catalog) -> None:
        """Churn the catalog after a product-list response, if ``paging_changes`` is on."""
        pc = self.config.paging_changes
        if not pc.enabled:
            return
        with self._lock:
            self._list_requests += 1
            n = self._list_requests
            if n < pc.start_after or (n - pc.start_after) % max(1, pc.every):
                return
            if pc.max_rounds and self._rounds >= pc.max_rounds:
                return
            self._rounds += 1
            rng = random.Random(self.config.seed * 7919 + self._rounds)
        for pid in list(cat.ids[: pc.delete]):
            with contextlib.suppress(KeyError):  # deleted concurrently
                cat.delete(pid, source="paging_changes")
        for _ in range(pc.add):
            cat.create({}, source="paging_changes")
        ids = cat.ids
        for pid in rng.sample(ids, k=min(pc.modify, len(ids))):
            try:
                price = round(rng.uniform(1, 500), 2)
                cat.update(pid, {"price": price, "sale_price": 0.0}, source="paging_changes")
            except KeyError:
                pass


#: well-typed but hostile values a client must survive (see ``FaultConfig.hostile_rate``)
HOSTILE_KINDS = ("nul_text", "naive_date", "nul_everywhere", "huge_price", "long_sku", "huge_inventory")


def malform(product: dict, kind: str) -> dict:
    """Damage a product dict the way a buggy (or hostile) record would be served."""
    if kind == "nul_text":
        product["name"] = f"{product.get('name', '')}\x00"
    elif kind == "naive_date":
        product["date_modified"] = str(product.get("date_modified", ""))[:19]
    elif kind == "nul_everywhere":
        product["name"] = f"\x00{product.get('name', '')}"
        product["description"] = f"{product.get('description', '')}\x00"
        for field in product.get("custom_fields") or []:
            field["value"] = f"{field.get('value', '')}\x00"
    elif kind == "huge_price":
        product["price"] = 1e26
    elif kind == "long_sku":
        product["sku"] = "S" * 300
    elif kind == "huge_inventory":
        product["inventory_level"] = 2**40
    if kind == "null_name":
        product["name"] = None
    elif kind == "price_string":
        product["price"] = f"{product.get('price', 0)}"
    elif kind == "categories_string":
        product["categories"] = ",".join(str(c) for c in product.get("categories", []))
    return product
