"""Backoff policy for transient failures: capped exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

#: HTTP statuses worth retrying: the platform is overloaded or a gateway failed, not our request
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class BackoffPolicy:
    """Delays between retries: ``base * 2**attempt`` capped at ``cap``, with "equal jitter".

    The jittered delay lies in ``[d/2, d]`` for the capped delay ``d``: never zero (so a struggling
    server is not hammered), and spread out so that concurrent workers do not retry in lockstep.
    """

    base: float = 1.0
    cap: float = 60.0
    max_retries: int = 5
    rng: Callable[[], float] = field(default=random.random, repr=False)

    def capped(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (0-based) before jitter."""
        return min(self.cap, self.base * (2 ** min(attempt, 30)))

    def delay(self, attempt: int) -> float:
        """The jittered delay before retry number ``attempt`` (0-based)."""
        d = self.capped(attempt)
        return d / 2 + self.rng() * d / 2

    def should_retry(self, attempt: int) -> bool:
        """True when retry number ``attempt`` (0-based) is still allowed."""
        return attempt < self.max_retries
