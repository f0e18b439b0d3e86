"""HTTP to the platform: one session per hook call, retries, stops, and the one place that turns the
platform's answers into :class:`~hub.contract.ErrorKind` values with what-to-do messages.

REPLACE the authentication header and the wording of the messages. Keep the shape:

* :meth:`TemplateApi.get` checks ``context.check_stop()`` before every request, so a stop lands between
  requests as the contract asks (it raises :class:`~hub.contract.StopRequested`, which the hub treats as
  a normal stop: cancelled, or resumed from the last committed cursor on shutdown);
* transient failures (429, 5xx, network) are retried here with backoff; failures the merchant must fix
  (401, 403, 404) raise :class:`~hub.contract.PlatformError` at once;
* every :class:`Reply` says how many requests it took and how long the platform's rate limit made us
  wait, so hooks can report that work (``ProductPage.requests``/``rate_limit_wait``, or
  ``context.record_usage`` for listings that yield no pages).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from claudery_template.credentials import WHERE_TO_CREATE_IT
from hub.contract import ErrorKind, PlatformError, PluginContext

log = logging.getLogger(__name__)

# Settings the plugin reads from ``context.settings``: the host gives a plugin only the keys starting
# with its prefix (``PlatformInfo.prefix``: the key upper-cased plus "_", here ``TEMPLATE_``) and the
# general ``HUB_HTTP_*`` ones. Defaults live here; a malformed value falls back to the default.
TIMEOUT_SETTING, DEFAULT_TIMEOUT = "TEMPLATE_TIMEOUT", 10.0
RETRIES_SETTING, DEFAULT_RETRIES = "TEMPLATE_MAX_RETRIES", 2
BACKOFF_SETTING, DEFAULT_BACKOFF = "TEMPLATE_BACKOFF", 1.0
#: the longest single sleep between stop checks, so a stop during a backoff lands promptly
STOP_CHECK_INTERVAL = 0.25


def setting(settings: Mapping[str, Any], key: str, default: float) -> float:
    """A numeric setting; a malformed value falls back to the default rather than breaking syncs."""
    try:
        return float(settings.get(key, default))
    except (TypeError, ValueError):
        return default


@dataclass
class Reply:
    """A successful answer: the decoded JSON, the headers, and the work it took."""

    json: Any
    headers: Mapping[str, str]
    requests: int = 1  #: attempts made, retries included
    rate_limit_wait: float = 0.0  #: seconds slept on the platform's rate limit


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def error_for_response(response: requests.Response, shop_url: str) -> PlatformError:
    """Map an HTTP failure to an ErrorKind and a message saying what to do. REPLACE the wording."""
    status = response.status_code
    if status == 401:
        return PlatformError(
            ErrorKind.AUTH, f"The API token was refused. Create a new one ({WHERE_TO_CREATE_IT})"
        )
    if status == 403:
        return PlatformError(
            ErrorKind.SCOPE,
            f"The API token may not read products. Give it Products read access ({WHERE_TO_CREATE_IT})",
        )
    if status == 404:
        return PlatformError(
            ErrorKind.NOT_FOUND, f"No Template shop answers at {shop_url}. Check the shop URL."
        )
    if status == 429:
        return PlatformError(
            ErrorKind.RATE_LIMITED,
            "The platform asked us to slow down. Try again in a minute.",
            retry_after=_retry_after(response),
        )
    if status >= 500:
        return PlatformError(
            ErrorKind.UNAVAILABLE,
            f"The platform is unavailable (HTTP {status}). Try again later; if it lasts, check its status page.",
        )
    return PlatformError(
        ErrorKind.UNKNOWN, f"The platform answered HTTP {status}, which the plugin does not expect."
    )


def unexpected(api: TemplateApi, what: str) -> PlatformError:
    """An answer of a shape the plugin does not know: a bug or an API change, so ``UNKNOWN``."""
    return PlatformError(
        ErrorKind.UNKNOWN, f"{api.shop_url} answered {what}, which the plugin does not expect."
    )


def error_for_exception(exc: requests.RequestException, shop_url: str) -> PlatformError:
    """Map a transport failure. The exception's text is not used: it may contain the URL and headers."""
    if isinstance(exc, requests.Timeout):
        return PlatformError(ErrorKind.NETWORK, f"{shop_url} did not answer in time. Try again later.")
    return PlatformError(
        ErrorKind.NETWORK, f"Could not reach {shop_url}. Check the shop URL and your network, then try again."
    )


class TemplateApi:
    """A session on one shop for the length of one hook call; use it as a context manager."""

    def __init__(self, credentials: Mapping[str, Any], context: PluginContext, *, retries: int | None = None):
        self.shop_url: str = credentials["shop_url"]
        self.context = context
        settings = context.settings
        self.timeout = setting(settings, TIMEOUT_SETTING, DEFAULT_TIMEOUT)
        self.backoff = setting(settings, BACKOFF_SETTING, DEFAULT_BACKOFF)
        self.retries = (
            int(setting(settings, RETRIES_SETTING, DEFAULT_RETRIES)) if retries is None else retries
        )
        self.session = requests.Session()
        # REPLACE with your platform's authentication scheme; never log these headers
        self.session.headers.update(
            {
                "Authorization": f"Bearer {credentials['api_token']}",
                "Accept": "application/json",
                "User-Agent": context.user_agent,
            }
        )

    def __enter__(self) -> TemplateApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Reply:
        """GET JSON, retrying transient failures; raise PlatformError once retries are spent.

        Raises StopRequested before any request when the host asked to stop, also between retries.
        """
        waited = 0.0
        for attempt in range(self.retries + 1):
            self.context.check_stop()
            try:
                response = self.session.get(f"{self.shop_url}{path}", params=params, timeout=self.timeout)
            except requests.RequestException as exc:
                error = error_for_exception(exc, self.shop_url)
                log.info("GET %s failed: %s", path, type(exc).__name__)
            else:
                if response.ok:
                    try:
                        return Reply(response.json(), response.headers, attempt + 1, waited)
                    except ValueError:
                        error = PlatformError(
                            ErrorKind.UNKNOWN, f"{self.shop_url} answered something other than JSON."
                        )
                else:
                    error = error_for_response(response, self.shop_url)
                log.info("GET %s answered HTTP %s", path, response.status_code)
            if error.kind.needs_merchant or attempt == self.retries:
                raise error
            delay = error.retry_after if error.retry_after is not None else self.backoff * 2**attempt
            if error.kind is ErrorKind.RATE_LIMITED:
                waited += delay
            self._sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _sleep(self, seconds: float) -> None:
        """Sleep in short slices, so that a stop requested meanwhile is honoured at once."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.context.check_stop()
            time.sleep(min(left, STOP_CHECK_INTERVAL))
