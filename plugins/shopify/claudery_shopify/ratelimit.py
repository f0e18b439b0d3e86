"""Cost-based throttling: Shopify's leaky bucket as ``extensions.cost.throttleStatus`` reports it.

Every answer says how many points are left (``currentlyAvailable``), the bucket size and the restore
rate. Before a request the client estimates the bucket now and waits until the query's expected
requested cost fits; a ``THROTTLED`` answer (HTTP 200) waits ``(requested - available) / restore``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

#: added to every computed wait: the bucket is refilled in whole points on Shopify's side
WAIT_MARGIN = 0.05


def _num(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class CostBucket:
    """What the client knows of the shop's bucket for this app, updated from every answer."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self.maximum: float | None = None
        self.restore: float | None = None
        self._available: float | None = None
        self._at = 0.0
        self._reserved = 0.0  #: requested cost of the requests in flight (not in Shopify's report yet)

    def update(self, cost: Mapping[str, Any] | None) -> None:
        """Record ``extensions.cost`` of an answer (numbers may be ints or floats)."""
        status = (cost or {}).get("throttleStatus") or {}
        available, maximum, restore = (
            _num(status.get("currentlyAvailable")),
            _num(status.get("maximumAvailable")),
            _num(status.get("restoreRate")),
        )
        if available is None:
            return
        with self._lock:
            self._available, self._at = available, self._clock()
            if maximum:
                self.maximum = maximum
            if restore:
                self.restore = restore

    def available(self) -> float | None:
        """Points available now by the last report and the restore rate; None before any report."""
        with self._lock:
            return self._now()

    def _now(self) -> float | None:
        if self._available is None:
            return None
        refill = (self._clock() - self._at) * (self.restore or 0.0)
        return min(self.maximum or float("inf"), self._available + refill)

    def claim(self, cost: float) -> float:
        """Seconds to wait before a query of requested ``cost`` fits (0 if unknown).

        When it fits now it is reserved (see :meth:`reserve`). Reports of answers do not count the
        requests still in flight, so reservations are subtracted from every estimate until released.
        """
        with self._lock:
            available = self._now()
            if available is None or not self.restore or available - self._reserved >= cost:
                self._reserved += cost
                return 0.0
            return (
                min(cost, self.maximum or cost) - (available - self._reserved)
            ) / self.restore + WAIT_MARGIN

    def reserve(self, cost: float) -> None:
        """Count a request of ``cost`` as in flight (after having waited for it)."""
        with self._lock:
            self._reserved += cost

    def release(self, cost: float) -> None:
        """The request of ``cost`` was answered (its charge is in the latest report)."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - cost)

    def throttled_wait(self, cost: Mapping[str, Any] | None) -> float:
        """Seconds to wait after a ``THROTTLED`` answer before retrying the same request."""
        self.update(cost)
        requested = _num((cost or {}).get("requestedQueryCost"))
        status = (cost or {}).get("throttleStatus") or {}
        available = _num(status.get("currentlyAvailable")) or 0.0
        restore = _num(status.get("restoreRate")) or self.restore
        if requested is None or not restore:
            return 1.0  # a throttle without numbers: Shopify's clients wait a second
        return max(0.0, requested - available) / restore + WAIT_MARGIN
