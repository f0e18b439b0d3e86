"""Where the access token comes from: pasted (``shpat_…``), or the client-credentials grant.

With a client ID and secret (a Dev Dashboard app, ``shared/docs/shopify-api.md`` §1.2 B) the plugin
POSTs ``grant_type=client_credentials`` to ``{shop}/admin/oauth/access_token`` and gets a token valid
for ``expires_in`` seconds (24 h); there is no refresh token. The token is renewed
``token_refresh_margin`` seconds before it expires and whenever Shopify answers 401, and every new token
is handed to ``PluginContext.save_credentials`` (stored encrypted in ``access_token``), so the next run
reuses it instead of exchanging again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from hub.contract import ErrorKind, PlatformError

from .credentials import handle_of, uses_client_credentials
from .errors import TRANSIENT_STATUSES, Transient
from .settings import ShopifySettings

log = logging.getLogger(__name__)


class TokenSource:
    """The current access token of one site; thread-safe."""

    def __init__(
        self,
        credentials: Mapping[str, Any],
        settings: ShopifySettings,
        session: requests.Session,
        *,
        save_credentials: Callable[[Mapping[str, Any]], None] = lambda _new: None,
        user_agent: str = "ClauderyHub",
        wall_clock: Callable[[], float] = time.time,
    ):
        self._credentials = dict(credentials)
        self._settings = settings
        self._session = session
        self._save = save_credentials
        self._user_agent = user_agent
        self._clock = wall_clock
        self._lock = threading.Lock()
        self.renewable = uses_client_credentials(self._credentials)
        self._token: str | None = self._credentials.get("access_token")
        #: when the current token expires (wall clock); None: unknown (pasted, or cached by an earlier run)
        self._expires_at: float | None = None
        self.exchanges = 0  #: tokens obtained by this source (for tests and usage)

    def token(self) -> str:
        """The token to send now, exchanging the client credentials first when it is missing or expiring."""
        with self._lock:
            if self.renewable and (self._token is None or self._expiring()):
                self._exchange()
            return self._token or ""

    def renew(self, rejected: str) -> bool:
        """Get a new token after ``rejected`` was refused (401); False when there is no way to renew."""
        if not self.renewable:
            return False
        with self._lock:
            if self._token == rejected:  # another thread may have renewed it meanwhile
                self._exchange()
            return True

    def _expiring(self) -> bool:
        return (
            self._expires_at is not None
            and self._clock() >= self._expires_at - self._settings.token_refresh_margin
        )

    def _exchange(self) -> None:
        shop = str(self._credentials.get("shop") or "")
        url = self._settings.shop_base(handle_of(shop)) + "/admin/oauth/access_token"
        try:
            resp = self._session.post(
                url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._credentials.get("client_id", ""),
                    "client_secret": self._credentials.get("client_secret", ""),
                },
                headers={"Accept": "application/json", "User-Agent": self._user_agent},
                timeout=(self._settings.connect_timeout, self._settings.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise Transient(
                ErrorKind.NETWORK, f"Could not reach {shop} to obtain an access token ({type(exc).__name__})."
            ) from None
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code in TRANSIENT_STATUSES:
            raise Transient(
                ErrorKind.UNAVAILABLE, f"Shopify did not issue an access token (HTTP {resp.status_code})."
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        if resp.status_code != 200 or not isinstance(token, str) or not token:
            raise self._refused(resp.status_code, body if isinstance(body, dict) else {}, shop)
        lifetime = body.get("expires_in")
        self._token = token
        self._expires_at = self._clock() + float(lifetime) if isinstance(lifetime, (int, float)) else None
        self.exchanges += 1
        self._credentials["access_token"] = token
        log.info("obtained a new Shopify access token for %s (expires in %s s)", shop, lifetime)
        self._save(dict(self._credentials))

    @staticmethod
    def _refused(status: int, body: Mapping[str, Any], shop: str) -> PlatformError:
        error = str(body.get("error") or "")
        if status == 404:
            return PlatformError(
                ErrorKind.NOT_FOUND,
                f"Shopify knows no shop at {shop} (404). Check the shop's myshopify address.",
            )
        if error == "shop_not_permitted":
            return PlatformError(
                ErrorKind.AUTH,
                f"Shopify does not let this app obtain tokens for {shop}: the client-credentials grant works "
                "only for an app of the same organization as the shop, installed on it. Install the app on "
                "the shop from the Dev Dashboard, or paste an Admin API access token instead.",
            )
        return PlatformError(
            ErrorKind.AUTH,
            f"Shopify refused the client ID and client secret for {shop} (HTTP {status}"
            f"{', ' + error if error else ''}). Copy both again from the Dev Dashboard (dev.shopify.com → "
            "Apps → your app → Settings).",
        )
