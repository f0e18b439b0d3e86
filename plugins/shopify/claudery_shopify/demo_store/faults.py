"""Fault injection: latency, 5xx with HTML bodies, 429, dropped connections, GraphQL internal errors,
timeouts, forced THROTTLED answers, malformed products and catalog churn while a client pages.
All switchable at run time; the dice are seeded."""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass

from claudery_shopify.demo_store.catalog import Catalog
from claudery_shopify.demo_store.config import FaultConfig, faults_from_dict

MALFORMED_KINDS = ("null_title", "bad_price", "bad_html")


@dataclass
class Decision:
    """What to do to one request."""

    delay_s: float = 0.0
    action: str = ""  #: "" | "drop" | "error" | "429" | "internal" | "timeout" | "throttle"
    status: int = 0


class FaultInjector:
    """Rolls the dice for each GraphQL request according to the current :class:`FaultConfig`."""

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
        """Roll for one request: latency, then at most one fault."""
        c = self.config
        with self._lock:
            rng = self._rng
            d = Decision()
            if c.latency_ms or c.jitter_ms:
                d.delay_s = max(0.0, c.latency_ms + rng.uniform(-c.jitter_ms, c.jitter_ms)) / 1000
            if c.throttle_next > 0:
                c.throttle_next -= 1
                d.action = "throttle"
                return d
            roll = rng.random()
            for action, rate in (
                ("drop", c.drop_rate),
                ("429", c.rate_429),
                ("error", c.error_rate),
                ("internal", c.internal_error_rate),
                ("timeout", c.timeout_rate),
            ):
                if roll < rate:
                    d.action = action
                    if action == "error" and c.error_statuses:
                        d.status = rng.choice(c.error_statuses)
                    elif action == "error":
                        d.action = ""
                    break
                roll -= rate
        return d

    def malformed_kind(self, pid: int) -> str:
        """How product ``pid`` is malformed ("" if it is not): stable per product and seed."""
        rate = self.config.malformed_rate
        if rate <= 0:
            return ""
        roll = ((pid * 2654435761 + self.config.seed * 40503) % 4294967296) / 4294967296
        if roll >= rate:
            return ""
        return MALFORMED_KINDS[pid % len(MALFORMED_KINDS)]

    def after_products_page(self, cat: Catalog) -> None:
        """Churn the catalog after a products-connection response, if ``paging_changes`` is on."""
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
        ids = list(cat.ids)
        for pid in rng.sample(ids, k=min(pc.modify, len(ids))):
            with contextlib.suppress(KeyError):
                cat.update(pid, {"price": f"{rng.uniform(1, 500):.2f}"}, source="paging_changes")
