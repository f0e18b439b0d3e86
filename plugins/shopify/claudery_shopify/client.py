"""The Admin GraphQL client of one shop: token, timeouts, cost pacing, retries and classification.

``POST {SHOPIFY_API_URL with {shop}}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``;
redirects are never followed (a redirect means a wrong address, and would carry the token elsewhere).
``THROTTLED`` (HTTP 200) and 429 are waits, not errors; 5xx, ``INTERNAL_SERVER_ERROR`` and network
failures are retried with exponential backoff; everything else becomes a classified
:class:`~hub.contract.PlatformError`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from hub.contract import ErrorKind, PlatformError, PluginContext, StopRequested

from .credentials import handle_of
from .errors import TRANSIENT_STATUSES, QueryTooCostly, Transient, error_codes, graphql_error, http_error
from .ratelimit import CostBucket
from .settings import DEFAULT_API_VERSION, ShopifySettings
from .tokens import TokenSource

log = logging.getLogger(__name__)


@dataclass
class Usage:
    """Work done by a client so far (the fetch reports differences per page)."""

    requests: int = 0
    rate_limit_wait: float = 0.0
    throttled: int = 0
    requested_cost: float = 0.0
    actual_cost: float = 0.0

    def snapshot(self) -> Usage:
        """A copy, to subtract later."""
        return Usage(
            self.requests, self.rate_limit_wait, self.throttled, self.requested_cost, self.actual_cost
        )

    def since(self, before: Usage) -> Usage:
        """The work done since ``before``."""
        return Usage(
            self.requests - before.requests,
            self.rate_limit_wait - before.rate_limit_wait,
            self.throttled - before.throttled,
            self.requested_cost - before.requested_cost,
            self.actual_cost - before.actual_cost,
        )


@dataclass
class GraphQLResult:
    """A successful answer: ``data``, the cost block and the response headers."""

    data: dict[str, Any]
    cost: dict[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


class ShopifyClient:
    """GraphQL queries against one shop's Admin API, paced by the cost bucket and retried."""

    def __init__(
        self,
        credentials: Mapping[str, Any],
        settings: ShopifySettings,
        *,
        user_agent: str = "ClauderyHub",
        should_stop: Callable[[], bool] = lambda: False,
        save_credentials: Callable[[Mapping[str, Any]], None] = lambda _new: None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ):
        self.shop = str(credentials.get("shop") or "")
        self.handle = handle_of(self.shop)
        self.settings = settings
        self.version = str(credentials.get("api_version") or DEFAULT_API_VERSION)
        self.base_url = settings.shop_base(self.handle)
        self.url = f"{self.base_url}/admin/api/{self.version}/graphql.json"
        self.should_stop = should_stop
        self._sleep = sleep
        self._rng = rng
        self.bucket = CostBucket(clock)
        self.usage = Usage()
        self._usage_lock = threading.Lock()
        self._expected: dict[str, float] = {}
        self._learning_locks: dict[str, threading.Lock] = {}
        self.served_version: str | None = None  #: ``X-Shopify-API-Version`` of the last answer
        self.session = session or requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=8, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": user_agent or "ClauderyHub",
                "Accept-Encoding": "gzip",
            }
        )
        self.tokens = TokenSource(
            credentials, settings, self.session, save_credentials=save_credentials, user_agent=user_agent
        )

    @classmethod
    def from_context(
        cls, credentials: Mapping[str, Any], context: PluginContext, **kwargs: Any
    ) -> ShopifyClient:
        """Build a client from the hook arguments."""
        return cls(
            credentials,
            ShopifySettings.from_mapping(context.settings),
            user_agent=context.user_agent,
            should_stop=context.should_stop,
            save_credentials=context.save_credentials,
            **kwargs,
        )

    def __repr__(self) -> str:  # never the token
        return f"<ShopifyClient shop={self.shop!r} version={self.version!r}>"

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def sleep(self, seconds: float, *, rate_limit: bool = False) -> None:
        """Sleep in short steps so that a stop request is honoured promptly."""
        left = seconds
        while True:
            if self.should_stop():
                raise StopRequested
            if left <= 0:
                break
            step = min(left, 0.25)
            self._sleep(step)
            left -= step
        if rate_limit:
            with self._usage_lock:
                self.usage.rate_limit_wait += seconds

    def _backoff(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, max(self.settings.backoff_cap, retry_after))
        base = self.settings.backoff_base * (2**attempt)
        return min(self.settings.backoff_cap, base) * (0.5 + self._rng() / 2)

    def query(
        self, text: str, variables: Mapping[str, Any] | None = None, *, expected_cost: float = 0.0
    ) -> GraphQLResult:
        """Run one GraphQL query; raise PlatformError, QueryTooCostly or StopRequested.

        ``expected_cost`` (the requested cost this query had last time) lets the client wait for the
        bucket *before* sending, instead of being throttled.
        """
        if not expected_cost and text not in self._expected:
            # the first of its kind: learn its cost before other threads send the same query blind
            with self._learning(text):
                if text not in self._expected:
                    return self._query(text, variables, 0.0)
        return self._query(text, variables, expected_cost or self._expected.get(text, 0.0))

    def _learning(self, text: str) -> threading.Lock:
        with self._usage_lock:
            return self._learning_locks.setdefault(text, threading.Lock())

    def _query(self, text: str, variables: Mapping[str, Any] | None, expected_cost: float) -> GraphQLResult:
        failures = 0
        throttle_wait = 0.0
        renewed = False
        body_json = {"query": text, "variables": dict(variables or {})}
        while True:
            if self.should_stop():
                raise StopRequested
            wait = self.bucket.claim(expected_cost)
            if wait > 0:
                throttle_wait += wait
                self.sleep(wait, rate_limit=True)
                self.bucket.reserve(expected_cost)
            token = ""
            try:
                try:
                    token = self.tokens.token()
                    result = self._post(body_json, token)
                finally:
                    self.bucket.release(expected_cost)
            except Transient as exc:
                failures += 1
                if failures > self.settings.max_retries:
                    raise PlatformError(
                        exc.kind,
                        f"{exc.message} Gave up after {failures} attempts; the hub retries later.",
                        retry_after=exc.retry_after,
                    ) from None
                delay = self._backoff(failures - 1, exc.retry_after)
                log.info("Shopify %s: %s; retrying in %.1fs", self.shop, exc.message, delay)
                if exc.kind is ErrorKind.RATE_LIMITED:
                    throttle_wait += delay
                    self.sleep(delay, rate_limit=True)
                else:
                    self.sleep(delay)
                continue
            except _Unauthorized:
                if not renewed and self.tokens.renew(token):
                    renewed = True
                    continue
                raise http_error(401, {}, self.shop, client_credentials=self.tokens.renewable) from None
            if isinstance(result, _Throttled):
                with self._usage_lock:
                    self.usage.throttled += 1
                if throttle_wait + result.wait > self.settings.max_throttle_wait:
                    raise PlatformError(
                        ErrorKind.RATE_LIMITED,
                        f"Shopify kept throttling the hub's requests to {self.shop} (the app's query-cost budget "
                        "is used up, maybe by another app); the hub retries later.",
                        retry_after=result.wait,
                    )
                throttle_wait += result.wait
                self.sleep(result.wait, rate_limit=True)
                continue
            return result

    def _post(self, body: dict[str, Any], token: str) -> GraphQLResult | _Throttled:
        try:
            resp = self.session.post(
                self.url,
                json=body,
                headers={"X-Shopify-Access-Token": token},
                timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                allow_redirects=False,
            )
        except requests.Timeout:
            raise Transient(ErrorKind.NETWORK, f"Shopify did not answer in time for {self.shop}.") from None
        except requests.RequestException as exc:
            raise Transient(
                ErrorKind.NETWORK, f"Could not reach Shopify for {self.shop} ({type(exc).__name__})."
            ) from None
        with self._usage_lock:
            self.usage.requests += 1
        status = resp.status_code
        try:
            parsed: Any = resp.json()
        except ValueError:
            parsed = resp.text[:200]
        if status == 401:
            raise _Unauthorized
        if status in TRANSIENT_STATUSES:
            retry_after = _retry_after(resp.headers.get("Retry-After")) if status == 429 else None
            kind = ErrorKind.RATE_LIMITED if status == 429 else ErrorKind.UNAVAILABLE
            if status == 429 and retry_after is None:
                retry_after = 1.0  # Shopify's own clients wait a second
            raise Transient(kind, f"Shopify answered HTTP {status} for {self.shop}.", retry_after)
        if status != 200:
            raise http_error(status, parsed, self.shop, client_credentials=self.tokens.renewable)
        if not isinstance(parsed, dict):
            raise Transient(ErrorKind.UNAVAILABLE, f"Shopify sent an unreadable answer for {self.shop}.")
        self.served_version = resp.headers.get("X-Shopify-API-Version") or self.served_version
        cost = (parsed.get("extensions") or {}).get("cost") or {}
        errors = parsed.get("errors")
        if errors:
            codes = error_codes(errors)
            if "THROTTLED" in codes:
                requested = _number(cost.get("requestedQueryCost"))
                maximum = _number((cost.get("throttleStatus") or {}).get("maximumAvailable"))
                if requested is not None and maximum is not None and requested > maximum:
                    # it would never fit, however long we wait: the caller must ask for less
                    self.bucket.update(cost)
                    raise QueryTooCostly(requested, maximum)
                return _Throttled(self.bucket.throttled_wait(cost))
            self.bucket.update(cost)
            if "MAX_COST_EXCEEDED" in codes:
                ext = next((e.get("extensions") or {} for e in errors if isinstance(e, dict)), {})
                raise QueryTooCostly(ext.get("cost"), ext.get("maxCost"))
            if "INTERNAL_SERVER_ERROR" in codes:
                raise Transient(ErrorKind.UNAVAILABLE, f"Shopify had an internal error for {self.shop}.")
            log.warning(
                "Shopify %s rejected a query (request %s): %s",
                self.shop,
                resp.headers.get("X-Request-Id"),
                errors,
            )
            raise graphql_error(errors, self.shop)
        self.bucket.update(cost)
        requested = _number(cost.get("requestedQueryCost"))
        if requested is not None:
            self._expected[body["query"]] = requested
        with self._usage_lock:
            self.usage.requested_cost += float(cost.get("requestedQueryCost") or 0)
            self.usage.actual_cost += float(cost.get("actualQueryCost") or 0)
        data = parsed.get("data")
        if not isinstance(data, dict):
            raise Transient(ErrorKind.UNAVAILABLE, f"Shopify sent an answer without data for {self.shop}.")
        return GraphQLResult(data, cost, resp.headers)


class _Unauthorized(Exception):
    """401: the token was refused (renewed once when the client credentials allow it)."""


@dataclass
class _Throttled:
    wait: float


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
