"""Per-store request quota: a fixed window refreshed every ``window_ms`` (BigCommerce: 150 per 30 s)."""

from __future__ import annotations

import math
import threading
import time

UNLIMITED = 10_000_000  # header value sent for quota 0 ("unlimited" plans still send the headers)


class RateLimiter:
    """A quota per window; the window starts with the first request after the previous one ended."""

    def __init__(self, quota: int, window_ms: int) -> None:
        self.quota = quota
        self.window_ms = window_ms
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._used = 0

    def configure(self, quota: int | None = None, window_ms: int | None = None) -> None:
        """Change the quota and/or window at run time; the current window restarts."""
        with self._lock:
            if quota is not None:
                self.quota = int(quota)
            if window_ms is not None:
                self.window_ms = int(window_ms)
            self._window_end, self._used = 0.0, 0

    def reset(self) -> None:
        """Start a fresh window now (full quota)."""
        with self._lock:
            self._window_end, self._used = 0.0, 0

    def take(self, *, consume: bool = True) -> tuple[bool, dict[str, str]]:
        """Consume one unit if available; return (allowed, the four X-Rate-Limit-* headers).

        With ``consume=False`` only report the current state (used for 401/403 answers).
        """
        now = time.monotonic()
        with self._lock:
            if now >= self._window_end:
                self._window_end = now + self.window_ms / 1000
                self._used = 0
            unlimited = self.quota <= 0
            allowed = unlimited or self._used < self.quota
            if allowed and consume and not unlimited:
                self._used += 1
            left = UNLIMITED if unlimited else self.quota - self._used
            reset_ms = max(0, math.ceil((self._window_end - now) * 1000))
            headers = {
                "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
                "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
                "X-Rate-Limit-Requests-Quota": str(UNLIMITED if unlimited else self.quota),
                "X-Rate-Limit-Requests-Left": str(left),
            }
            if not allowed:
                headers["X-Retry-After"] = str(max(1, math.ceil(reset_ms / 1000)))
        return allowed, headers
