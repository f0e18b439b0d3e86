"""A site's widget settings: creation with sensible defaults, origin normalization, lookup by public key."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from hub.extensions import db
from hub.models import Site, WidgetSettings

MAX_ORIGINS = 20


class OriginError(ValueError):
    """A line of the allowed-origins list is not an origin; the message says why."""


def normalize_origin(value: str) -> str:
    """``https://Shop.Example.com/any/path`` -> ``https://shop.example.com``; a bare host gets https.

    Browsers send the ``Origin`` header as scheme://host[:port] in lower case with default ports
    omitted, so stored origins are compared in that exact form.
    """
    raw = value.strip()
    if not raw:
        raise OriginError("An origin is empty.")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https"):
        raise OriginError(f"“{value.strip()}” must start with https:// (or http:// for a local test page).")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise OriginError(f"“{value.strip()}” has an invalid port.") from None
    if not host or "*" in host or " " in host:
        raise OriginError(f"“{value.strip()}” is not a storefront address (wildcards are not supported).")
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{host}]" if ":" in host else host
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
