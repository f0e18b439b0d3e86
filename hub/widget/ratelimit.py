"""Fixed-window rate limits for the public widget API, per site key and client.

The per-client limit is checked first, and a request it refuses is **not** counted against the site
key's shared budget: otherwise one client flooding a store (a few thousand requests a minute) would use
up the key's budget and switch the widget off for every shopper of that store. Counters live in Redis
when configured, else in bounded per-process memory (see ``hub.security.counters``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hub.security.counters import WindowCounter, client_id

#: the bucket of requests naming no known key: counted per client, so random keys buy nothing
UNKNOWN_KEY = "?unknown"


@dataclass(frozen=True)
class Decision:
    """The answer for one request: allowed or not, and when to retry."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  #: seconds until the current window ends


class RateLimiter:
    """Limits ``per_client`` hits per window for each (key, client) and ``per_key`` for each key overall."""

    def __init__(self, per_client: int, per_key: int, window: int = 60, redis_url: str = "") -> None:
        self.per_client = per_client
        self.per_key = per_key
        self.window = window
        self.counter = WindowCounter(redis_url, prefix="hub:widget:rl")

    @property
    def memory(self):
        """The in-process counters (the fallback when Redis is not configured or down)."""
        return self.counter.memory

    def check(self, site_key: str, client: str, now: float | None = None) -> Decision:
        """Count this request and say whether it may proceed.

        ``site_key`` is a known key, or ``UNKNOWN_KEY`` for requests naming none (those have no shared
        budget to protect, only the per-client one).
        """
        now = time.time() if now is None else now
        retry_after = int(self.window - (now % self.window)) + 1
        # Hash the client address: the counter keys then hold no personal data.
        per_client = self.counter.hit(f"{site_key}:{client_id(client)}", self.window, now)
        if per_client > self.per_client:
            return Decision(False, self.per_client, 0, retry_after)
        if site_key == UNKNOWN_KEY:
            return Decision(True, self.per_client, self.per_client - per_client, retry_after)
        per_key = self.counter.hit(site_key, self.window, now)
        allowed = per_key <= self.per_key
        remaining = max(0, min(self.per_client - per_client, self.per_key - per_key))
        return Decision(allowed, self.per_client, remaining, retry_after)
