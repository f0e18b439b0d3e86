"""HTTP client for one store: authentication, timeouts, pacing, retries and error classification.

One :class:`BigCommerceClient` serves every thread of a fetch (``requests.Session`` pools connections
and is safe for concurrent GETs); one :class:`~.ratelimit.Pacer` paces them all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from hub.contract import ErrorKind, PlatformError, PluginContext

from .errors import classify_exception, classify_status, error_detail, is_suspended, parse_json
from .ratelimit import Pacer, Stopped, parse_rate_limit_headers
from .retry import RETRYABLE_STATUSES, BackoffPolicy
from .scopes import Scope, scope_for_path
from .settings import BigCommerceSettings

log = logging.getLogger(__name__)


@dataclass
class ApiResponse:
    """A successful answer: the status, the parsed JSON body (None for 204) and the headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass
class CallStats:
    """Requests made and seconds spent waiting on the rate limit, for one page of results."""

    requests: int = 0
    rate_limit_wait: float = 0.0

    def add(self, other: CallStats) -> None:
        """Accumulate another tally into this one."""
        self.requests += other.requests
        self.rate_limit_wait += other.rate_limit_wait


class BigCommerceClient:
    """GETs against ``{api_url}/stores/{store_hash}``, with the store's token, paced and retried."""

    def __init__(
        self,
        store_hash: str,
        access_token: str,
        settings: BigCommerceSettings,
        *,
        user_agent: str = "ClauderyHub",
        should_stop: Callable[[], bool] = lambda: False,
        pacer: Pacer | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ):
        self.store_hash = store_hash
        self.settings = settings
        self.base_url = f"{settings.api_url}/stores/{store_hash}"
        self.host = urlsplit(settings.api_url).hostname or settings.api_url
        self.should_stop = should_stop
        self._token = access_token
        self._sleep = sleep
        self.pacer = pacer or Pacer(settings.quota_share, clock=clock, sleep=sleep)
        self.backoff = BackoffPolicy(settings.backoff_base, settings.backoff_cap, settings.max_retries, rng)
        self.session = session or requests.Session()
        pool = max(10, settings.max_concurrency * 2)
        adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(
            {
                "X-Auth-Token": access_token,
                "Accept": "application/json",
                "User-Agent": user_agent or "ClauderyHub",
                "Accept-Encoding": "gzip, deflate",
            }
        )

    @classmethod
    def from_context(
        cls, credentials: Mapping[str, Any], context: PluginContext, **kwargs: Any
    ) -> BigCommerceClient:
        """Build a client from the hook arguments."""
        settings = BigCommerceSettings.from_mapping(context.settings)
        return cls(
            str(credentials.get("store_hash") or ""),
            str(credentials.get("access_token") or ""),
            settings,
            user_agent=context.user_agent,
            should_stop=context.should_stop,
            **kwargs,
        )

    def __repr__(self) -> str:  # never the token
        return f"<BigCommerceClient store={self.store_hash!r} api={self.settings.api_url!r}>"

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def url(self, path: str) -> str:
        """The full URL of an API path such as ``/v3/catalog/products``; never a trailing slash."""
        return self.base_url + "/" + path.strip("/")

    def sleep(self, seconds: float) -> None:
        """Sleep in short steps so that a stop request is honoured promptly."""
        end = seconds
        while end > 0:
            if self.should_stop():
                raise Stopped
            step = min(end, 0.25)
            self._sleep(step)
            end -= step

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        stats: CallStats | None = None,
        scope: Scope | None = None,
        max_retries: int | None = None,
        rate_limit_retries: int | None = None,
    ) -> ApiResponse:
        """GET an API path; retry what is transient, and raise :class:`PlatformError` for the rest.

        ``max_retries`` and ``rate_limit_retries`` override the settings (the connection test retries
        little and does not wait for a quota reset: a person is waiting for the answer).
        Raises :class:`~.ratelimit.Stopped` when the host asks to stop while waiting.
        """
        stats = stats if stats is not None else CallStats()
        scope = scope or scope_for_path(path)
        retries = self.settings.max_retries if max_retries is None else max_retries
        rl_retries = (
            self.settings.max_rate_limit_retries if rate_limit_retries is None else rate_limit_retries
        )
        transient = rate_limited = 0
        url = self.url(path)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        while True:
            if self.should_stop():
                raise Stopped
            stats.rate_limit_wait += self.pacer.acquire(self.should_stop)
            stats.requests += 1
            try:
                resp = self.session.get(
                    url, params=params, timeout=timeout, allow_redirects=False, stream=True
                )
                _read_body(resp)
            except requests.RequestException as exc:
                self.pacer.observe(None)
                error = classify_exception(exc, host=self.host, timeout=self.settings.read_timeout)
                retryable = isinstance(exc, requests.Timeout | requests.ConnectionError) and not isinstance(
                    exc, requests.exceptions.SSLError
                )
                log.info("GET %s failed: %s", path, type(exc).__name__)
                if not retryable or transient >= retries:
                    raise error from None  # the chained exception would carry the URL and headers
                self.sleep(self.backoff.delay(transient))
                transient += 1
                continue
            headers = resp.headers
            rl = parse_rate_limit_headers(headers)
            self.pacer.observe(rl)
            status = resp.status_code
            log.debug("GET %s -> %s", path, status)
            if 200 <= status < 300:
                body = parse_json(resp.content) if status != 204 else None
                if body is not None or status == 204 or not resp.content:
                    return ApiResponse(status, body, headers)
                if transient < retries:  # a success status with an unreadable body: a gateway?
                    self.sleep(self.backoff.delay(transient))
                    transient += 1
                    continue
                raise PlatformError(
                    ErrorKind.UNKNOWN,
                    f"{self.host} answered, but not with BigCommerce's JSON (status {status}). Check the "
                    "BIGCOMMERCE_API_URL setting (normally https://api.bigcommerce.com); a proxy may be "
                    "in the way.",
                )
            detail = error_detail(parse_json(resp.content), _text(resp), secrets=(self._token,))
            if status == 429:
                wait = rl.reset_seconds()
                if wait is not None and rl_retries > rate_limited:
                    # the platform told us when the quota resets: every thread waits for it
                    self.pacer.penalize(max(wait, 0.0) + 0.05)
                    rate_limited += 1
                    continue
                if wait is None and transient < retries:
                    # a 429 without headers means platform load: back off, all threads together
                    delay = self.backoff.delay(transient)
                    self.pacer.penalize(delay)
                    transient += 1
                    continue
                raise classify_status(429, detail, scope=scope, store_hash=self.store_hash, retry_after=wait)
            if status in RETRYABLE_STATUSES and not is_suspended(status, detail) and transient < retries:
                self.sleep(self.backoff.delay(transient))
                transient += 1
                continue
            raise classify_status(
                status, detail, scope=scope, store_hash=self.store_hash, retry_after=rl.reset_seconds()
            )


#: bytes asked of the connection per read: a page (~2.5 MB) in a few reads, not requests' 10 KB steps
READ_CHUNK = 1 << 20


def _read_body(resp: requests.Response) -> None:
    """Read the whole body (decompressed) into ``resp.content`` in large reads, then free the connection.

    ``requests`` reads a body in 10 KB pieces, a Python round trip each (a listing page is ~250 of them);
    read errors still surface as ``requests`` exceptions, and the connection goes back to the pool.
    """
    try:
        resp._content = b"".join(resp.iter_content(READ_CHUNK)) or b""  # what .content would fill
    finally:
        resp.close()


def _text(resp: requests.Response) -> str | None:
    try:
        return resp.text[:1000]
    except (UnicodeDecodeError, LookupError):
        return None


__all__ = ["ApiResponse", "BigCommerceClient", "CallStats", "PlatformError", "Stopped"]
