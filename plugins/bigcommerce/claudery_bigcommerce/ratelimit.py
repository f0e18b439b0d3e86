"""Pacing requests from BigCommerce's rate-limit headers, shared by all threads of one fetch.

BigCommerce gives each store a quota of requests per window (150 or 450 per 30 s), shared by every app
on the store, and reports on every response how many requests are left and when the window resets.
The :class:`Pacer` keeps a local estimate of the requests left (decremented when a request is sent,
corrected by each response) and lets a request go only while more than the merchant's reserve
(``quota * (1 - share)``) would remain: the hub never causes a 429 by itself, and other apps keep
their share. When the budget is spent, every thread waits for the window to reset.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from hub.contract import StopRequested

DEFAULT_WINDOW_S = 30.0
#: added to every wait for the window reset: our clock and the platform's are not the same clock
RESET_MARGIN_S = 0.05


#: raised inside a fetch when the host asked it to stop (``context.should_stop()``): the contract's own
#: signal, so the engine ends the run as cancelled (or requeues it) wherever the stop lands
Stopped = StopRequested


@dataclass(frozen=True)
class RateLimitHeaders:
    """The rate-limit headers of one response; None where a header is absent or unreadable."""

    requests_left: int | None = None
    requests_quota: int | None = None
    reset_ms: int | None = None
    window_ms: int | None = None
    retry_after_s: float | None = None

    @property
    def present(self) -> bool:
        """True when the response carried the quota headers (a bare 429 means platform load)."""
        return self.requests_left is not None or self.reset_ms is not None

    def reset_seconds(self) -> float | None:
        """Seconds until the quota refreshes: the reset header, else ``X-Retry-After``/``Retry-After``."""
        if self.reset_ms is not None:
            return self.reset_ms / 1000.0
        return self.retry_after_s


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number >= 0 else None


def _retry_after(value: str | None) -> float | None:
    """Parse seconds (``2``, ``2.5``) or an HTTP date, as ``Retry-After`` allows."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitHeaders:
    """Read the ``X-Rate-Limit-*`` and retry headers; names are case-insensitive."""
    h = {str(k).lower(): str(v) for k, v in headers.items()}
    retry = _retry_after(h.get("x-retry-after"))
    if retry is None:
        retry = _retry_after(h.get("retry-after"))
    return RateLimitHeaders(
        requests_left=_int(h.get("x-rate-limit-requests-left")),
        requests_quota=_int(h.get("x-rate-limit-requests-quota")),
        reset_ms=_int(h.get("x-rate-limit-time-reset-ms")),
        window_ms=_int(h.get("x-rate-limit-time-window-ms")),
        retry_after_s=retry,
    )


class Pacer:
    """Decides when the next request may be sent; thread-safe, one per fetch (per store and token)."""

    def __init__(
        self,
        share: float = 0.8,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.share = share
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._left: int | None = None  # requests left in the window, as far as we know
        self._quota: int | None = None
        self._window_s = DEFAULT_WINDOW_S
        self._window_end: float | None = None  # our clock's time when the window resets
        self._blocked_until = 0.0  # after a 429: nobody sends before this
        self._in_flight = 0
        self._headers_seen = False  # before the first response we allow one request at a time
        self._no_headers = False  # the server sends no quota headers: rely on 429 handling

    def reserve(self) -> int:
        """Requests of each window left to the merchant's other apps."""
        if self._quota is None:
            return 0
        return math.ceil(self._quota * (1.0 - self.share) - 1e-9)

    def _decide(self, now: float) -> float:
        """Under the lock: take a slot and return 0, or return how long to wait before asking again."""
        if self._blocked_until > now:
            return self._blocked_until - now
        if self._window_end is not None and now >= self._window_end:
            # the window has reset: the whole quota is back (other apps' use shows in the next answer)
            self._left = self._quota
            self._window_end = now + self._window_s if self._quota is not None else None
        if self._no_headers or (self._headers_seen and self._left is None):
            self._in_flight += 1
            return 0.0
        if not self._headers_seen:
            if self._in_flight == 0:
                self._in_flight += 1
                return 0.0
            return 0.01  # wait for the first answer to learn the quota
        assert self._left is not None
        if self._left > self.reserve():
            self._left -= 1
            self._in_flight += 1
            return 0.0
        if self._window_end is None:
            return 1.0  # out of budget with no reset time: look again shortly
        return self._window_end - now + RESET_MARGIN_S

    def acquire(self, should_stop: Callable[[], bool] = lambda: False) -> float:
        """Block until a request may be sent; return the seconds spent waiting on the rate limit."""
        waited = 0.0
        while True:
            with self._lock:
                wait = self._decide(self._clock())
            if wait <= 0:
                return waited
            if should_stop():
                raise Stopped
            step = min(wait, 0.25) if wait > 0.25 else wait
            self._sleep(step)
            waited += step

    def observe(self, headers: RateLimitHeaders | None) -> None:
        """Record the answer to a request sent after :meth:`acquire` (``None``: no answer came)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            if headers is None:
                return
            now = self._clock()
            if not headers.present:
                if not self._headers_seen:
                    self._no_headers = True
                self._headers_seen = True
                return
            self._headers_seen = True
            self._no_headers = False
            if headers.requests_quota:
                self._quota = headers.requests_quota
            if headers.window_ms:
                self._window_s = headers.window_ms / 1000.0
            end = now + headers.reset_ms / 1000.0 if headers.reset_ms is not None else None
            left = headers.requests_left
            new_window = self._window_end is None or (
                end is not None and end > self._window_end + self._window_s / 2
            )
            stale = (
                end is not None
                and self._window_end is not None
                and end < self._window_end - self._window_s / 2
            )
            if stale:
                return  # sent before the window reset we already assumed: its count is outdated
            if new_window:
                self._window_end = end
                self._left = left
            else:
                # answers arrive out of order: the smallest count is the latest; the latest reset
                # estimate is the safe one (each overestimates the true reset by the latency)
                if left is not None:
                    self._left = left if self._left is None else min(self._left, left)
                if end is not None and self._window_end is not None:
                    self._window_end = max(self._window_end, end)

    def penalize(self, seconds: float) -> None:
        """After a 429: nobody sends for ``seconds``, and the window's budget is spent."""
        with self._lock:
            now = self._clock()
            self._blocked_until = max(self._blocked_until, now + seconds)
            if self._headers_seen and not self._no_headers:
                self._left = 0
                self._window_end = now + seconds
