"""Log-in throttling per account and per client: a temporary lock after too many failures.

Failures are counted in fixed windows of ``HUB_LOGIN_WINDOW_SECONDS`` (shared through Redis when
configured), keyed on the typed email whether or not an account has it, so the answer never says
which emails exist. A locked account or client is refused *before* any password hash is computed, so
a guessing script costs the hub nothing once it is locked out.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask import current_app

from hub.security.counters import WindowCounter, client_id


@dataclass(frozen=True)
class Lock:
    """A refusal: how long until the window ends."""

    retry_after: int

    @property
    def message(self) -> str:
        """What the log-in page says (the same for any email)."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        return (
            f"Too many failed log-ins. Wait {minutes} minute{'s' if minutes > 1 else ''} and try again, "
            "or reset your password with your operator."
        )


class LoginThrottle:
    """Counts failed log-ins; ``check`` refuses once an account or a client has too many."""

    def __init__(self, per_account: int, per_client: int, window: int, redis_url: str = "") -> None:
        self.per_account = per_account
        self.per_client = per_client
        self.window = window
        self.counter = WindowCounter(redis_url, prefix="hub:login")

    def _keys(self, email: str | None, client: str) -> list[tuple[str, int]]:
        keys = [(f"c:{client_id(client)}", self.per_client)]
        if email is not None:
            account = hashlib.blake2b(email.strip().lower().encode(), digest_size=8).hexdigest()
            keys.append((f"a:{account}", self.per_account))
        return keys

    def check(self, email: str | None, client: str, now: float | None = None) -> Lock | None:
        """A ``Lock`` when this account (``None``: no account involved) or client may not try now."""
        now = time.time() if now is None else now
        for key, limit in self._keys(email, client):
            if self.counter.get(key, self.window, now) >= limit:
                return Lock(int(self.window - (now % self.window)) + 1)
        return None

    def failed(self, email: str | None, client: str, now: float | None = None) -> None:
        """Count one failure for the account (if any) and the client."""
        now = time.time() if now is None else now
        for key, _limit in self._keys(email, client):
            self.counter.hit(key, self.window, now)


def current_throttle() -> LoginThrottle:
    """The app's throttle, built once from its configuration."""
    throttle = current_app.extensions.get("hub_login_throttle")
    if throttle is None:
        cfg = current_app.config
        throttle = LoginThrottle(
            per_account=int(cfg["HUB_LOGIN_MAX_FAILURES"]),
            per_client=int(cfg["HUB_LOGIN_MAX_FAILURES_PER_CLIENT"]),
            window=int(cfg["HUB_LOGIN_WINDOW_SECONDS"]),
            redis_url=cfg.get("REDIS_URL") or "",
        )
        current_app.extensions["hub_login_throttle"] = throttle
    return throttle
