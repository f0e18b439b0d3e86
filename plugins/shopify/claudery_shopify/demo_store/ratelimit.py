"""The demo clock and Shopify's calculated-cost leaky bucket (shopify-api.md §4.7).

The clock is injectable and scalable: tests run it faster (``time_scale``) or move it (``advance``), so
bucket refills, token expiry and bulk-operation timing never need a long sleep.
"""

from __future__ import annotations

import math
import threading
import time


class Clock:
    """Demo time: ``monotonic()`` seconds since start (scaled, advanceable) and ``time()`` epoch seconds."""

    def __init__(self, scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._base_mono = time.monotonic()
        self._base_wall = time.time()
        self._offset = 0.0
        self.scale = scale

    def monotonic(self) -> float:
        """Demo seconds elapsed since the clock started."""
        return (time.monotonic() - self._base_mono) * self.scale + self._offset

    def time(self) -> float:
        """Demo wall-clock time (epoch seconds): what ``updatedAt`` of an edit and token expiry use."""
        return self._base_wall + self.monotonic()

    def advance(self, seconds: float) -> None:
        """Jump forward (buckets refill, tokens expire, bulk operations finish)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds

    def set_scale(self, scale: float) -> None:
        """Change the speed from now on, without a jump."""
        if scale <= 0:
            raise ValueError("time_scale must be positive")
        with self._lock:
            now = self.monotonic()
            self._base_mono, self._offset, self.scale = time.monotonic(), now, scale


class LeakyBucket:
    """Cost points per app and shop: ``size`` points, refilled at ``restore`` points per demo second."""

    def __init__(self, size: float, restore: float, clock: Clock) -> None:
        self.size, self.restore, self.clock = size, restore, clock
        self._available = size
        self._last = clock.monotonic()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self._available = min(self.size, self._available + (now - self._last) * self.restore)
        self._last = now

    def available(self) -> float:
        """Points available now."""
        with self._lock:
            self._refill()
            return self._available

    def reserve(self, requested: int) -> tuple[bool, float]:
        """Admit a query if ``requested`` points are available, holding them; return (admitted, available)."""
        with self._lock:
            self._refill()
            if requested > self._available:
                return False, self._available
            self._available -= requested
            return True, self._available

    def settle(self, requested: int, actual: int) -> float:
        """Refund ``requested - actual`` after execution; return the points left."""
        with self._lock:
            self._refill()
            self._available = min(self.size, self._available + max(0, requested - actual))
            return self._available

    def configure(self, size: float | None = None, restore: float | None = None) -> None:
        """Change size and/or restore rate; the bucket is full again."""
        with self._lock:
            if size is not None:
                self.size = float(size)
            if restore is not None:
                self.restore = float(restore)
            self._available, self._last = self.size, self.clock.monotonic()

    def status(self, available: float) -> dict[str, float | int]:
        """``throttleStatus`` for a response (currentlyAvailable is an integer, as observed)."""
        return {
            "maximumAvailable": float(self.size),
            "currentlyAvailable": math.floor(available),
            "restoreRate": float(self.restore),
        }
