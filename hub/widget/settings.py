"""A site's widget settings: creation with sensible defaults, origin normalization, lookup by public key."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from hub.extensions import db
from hub.models import Site, WidgetSettings

MAX_ORIGINS = 20


class OriginError(ValueError):
    """A line of the allowed-origins list is not an origin; the message says why."""


MAX_ORIGIN_CHARS = 300
_HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _ascii_host(host: str, shown: str) -> str:
    """The host as browsers send it in ``Origin``: lower case, Unicode labels in punycode (IDNA)."""
    try:
        import idna

        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise OriginError(f"“{shown}” is not a valid domain name.") from None
    if not _HOST_RE.match(ascii_host):
        raise OriginError(f"“{shown}” is not a valid domain name.")
    return ascii_host


def normalize_origin(value: str) -> str:
    """``https://Shop.Example.com/any/path`` -> ``https://shop.example.com``; a bare host gets https.

    Browsers send the ``Origin`` header as scheme://host[:port] in lower case, Unicode domains in
    punycode, default ports omitted, so stored origins are compared in that exact form.
    """
    raw = value.strip()
    shown = raw[:60] + ("…" if len(raw) > 60 else "")
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    if not raw:
        raise OriginError("An origin is empty.")
    if len(raw) > MAX_ORIGIN_CHARS:
        raise OriginError(f"“{shown}” is too long for a storefront address.")
    if any(not ch.isprintable() or ch.isspace() for ch in raw):
        raise OriginError(f"“{shown}” contains control characters or spaces.")
    if raw.lower() == "null":
        raise OriginError("“null” is what sandboxed pages and local files send; it cannot be allowed.")
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OriginError(f"“{shown}” is not a valid address (check the brackets and the port).") from None
    if parts.scheme not in ("http", "https"):
        raise OriginError(f"“{shown}” must start with https:// (or http:// for a local test page).")
    if not host or "*" in host:
        raise OriginError(f"“{shown}” is not a storefront address (wildcards are not supported).")
    if parts.username is not None or parts.password is not None:
        raise OriginError(f"“{shown}” must not contain a user name or password.")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        host = _ascii_host(host, shown)
    else:
        host = f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(text: str) -> list[str]:
    """One origin per line (commas and spaces also separate); normalized, deduplicated, in order."""
    origins: list[str] = []
    for token in text.replace(",", "\n").split():
        origin = normalize_origin(token)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise OriginError(f"At most {MAX_ORIGINS} origins; list only the storefront addresses shoppers use.")
    return origins


def store_origins(site: Site) -> list[str]:
    """The storefront origins the connection test learned (secure URL, then the plain domain)."""
    info = site.store_info or {}
    found: list[str] = []
    for candidate in (info.get("secure_url"), info.get("domain")):
        if not candidate:
            continue
        try:
            origin = normalize_origin(str(candidate))
        except OriginError:
            continue
        if origin not in found:
            found.append(origin)
    return found


def settings_for(site: Site, *, create: bool = True) -> WidgetSettings | None:
    """The site's widget settings; created (not committed) with the store's origins pre-filled."""
    found = db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_id == site.id))
    if found is None and create:
        found = WidgetSettings(site_id=site.id, allowed_origins=store_origins(site))
        db.session.add(found)
        db.session.flush()
    return found


def settings_by_key(key: str) -> WidgetSettings | None:
    """The settings a public site key belongs to, or None for an unknown (or rotated-away) key."""
    if not key or len(key) > 64:
        return None
    return db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_key == key))
