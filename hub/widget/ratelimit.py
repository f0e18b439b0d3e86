"""Fixed-window rate limits for the public widget API, per site key and client.

With ``REDIS_URL`` configured the counters live in Redis, so every web process shares them; without it
(or while Redis is unreachable) each process counts in memory, which still stops a single abusive client.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """The answer for one request: allowed or not, and when to retry."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  #: seconds until the current window ends


class MemoryCounter:
    """Window counters in this process; old windows are dropped as new ones start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the window containing ``now``; return the count so far."""
        slot = int(now // window)
        with self._lock:
            if len(self._counts) > 50_000:  # bounded memory: forget windows that have ended
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot}
            count = self._counts.get((key, slot), 0) + 1
            self._counts[(key, slot)] = count
        return count


class RedisCounter:
    """Window counters in Redis: INCR plus an expiry, one round trip."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)

    def hit(self, key: str, window: int, now: float) -> int:
        """Count one hit of ``key`` in the window containing ``now``; return the count so far."""
        slot = int(now // window)
        name = f"hub:widget:rl:{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return int(count)


class RateLimiter:
    """Limits ``per_client`` hits per window for each (key, client) and ``per_key`` for each key overall."""

    def __init__(self, per_client: int, per_key: int, window: int = 60, redis_url: str = "") -> None:
        self.per_client = per_client
        self.per_key = per_key
        self.window = window
        self.memory = MemoryCounter()
        self.redis = RedisCounter(redis_url) if redis_url else None

    def _hit(self, key: str, now: float) -> int:
        if self.redis is not None:
            try:
                return self.redis.hit(key, self.window, now)
            except Exception as exc:  # Redis down: degrade to per-process limits, never to an error page
                log.warning(
                    "widget rate limit: Redis unavailable (%s); counting in memory", type(exc).__name__
                )
        return self.memory.hit(key, self.window, now)

    def check(self, site_key: str, client: str, now: float | None = None) -> Decision:
        """Count this request and say whether it may proceed."""
        now = time.time() if now is None else now
        # Hash the client address: the counter keys then hold no personal data.
        client_id = hashlib.blake2b(client.encode(), digest_size=8).hexdigest()
        per_client = self._hit(f"{site_key}:{client_id}", now)
        per_key = self._hit(site_key, now)
        retry_after = int(self.window - (now % self.window)) + 1
        allowed = per_client <= self.per_client and per_key <= self.per_key
        remaining = max(0, min(self.per_client - per_client, self.per_key - per_key))
        return Decision(allowed, self.per_client, remaining, retry_after)
