"""Credentials as the hub handles them, driven by each plugin's credential schema.

A field's ``secret`` metadata, declared once in the plugin's schema, decides everything here: the input
type, encryption at rest, the mask on the edit form, and log redaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow
from flask import current_app
from sqlalchemy import update

from hub import encryption, redaction
from hub.extensions import db
from hub.models import Site
from hub.plugins import PluginHost

#: what a stored secret looks like in a form: submitting it unchanged keeps the stored value
MASK = "\u2022" * 10


@dataclass(frozen=True)
class FieldSpec:
    """A credential field's UI, read from the schema's field metadata."""

    name: str
    label: str
    help: str
    placeholder: str
    secret: bool
    required: bool


class CredentialsInvalid(ValueError):
    """Credentials failed the plugin's normalization; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def field_specs(host: PluginHost, platform: str) -> list[FieldSpec]:
    """The platform's credential fields in form order."""
    schema_cls = host.call(platform, "credential_schema")
    fields = schema_cls().fields
    specs = []
    for index, (name, field) in enumerate(fields.items()):
        meta = field.metadata or {}
        specs.append(
            (
                meta.get("order", index),
                FieldSpec(
                    name=name,
                    label=str(meta.get("label") or name.replace("_", " ").capitalize()),
                    help=str(meta.get("help", "")),
                    placeholder=str(meta.get("placeholder", "")),
                    secret=bool(meta.get("secret", False)),
                    required=bool(field.required),
                ),
            )
        )
    return [spec for _, spec in sorted(specs, key=lambda pair: pair[0])]


def secret_names(host: PluginHost, platform: str) -> set[str]:
    """Names of the fields the schema marks secret."""
    return {spec.name for spec in field_specs(host, platform) if spec.secret}


def normalize(host: PluginHost, platform: str, data: dict[str, Any]) -> dict[str, Any]:
    """Run the plugin's normalization; raises CredentialsInvalid with per-field messages."""
    known = {spec.name for spec in field_specs(host, platform)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise CredentialsInvalid(
            {name: [f"Unknown field; expected one of {sorted(known)}."] for name in unknown}
        )
    raw = {k: "" if v is None else v for k, v in data.items()}
    for name in secret_names(host, platform):
        if isinstance(raw.get(name), str):
            redaction.register(raw[name].strip())
    try:
        cleaned = host.call(platform, "normalize_credentials", data=raw)
    except marshmallow.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise CredentialsInvalid(
            {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()}
        ) from None
    return {k: v for k, v in cleaned.items() if v not in (None, "")}


def stored(site: Site) -> dict[str, Any]:
    """The site's full credentials, secrets decrypted (for a platform call; never for a response)."""
    return {**(site.credentials_public or {}), **encryption.decrypt(site.credentials_secret)}


def unmask(
    host: PluginHost,
    platform: str,
    submitted: dict[str, Any],
    site: Site | None,
    pending: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Replace masked secret fields by what they stand for: a value typed earlier on the page
    (``pending``), else the stored value when the site's platform is unchanged."""
    result = dict(submitted)
    keep = site is not None and site.platform == platform
    secrets = encryption.decrypt(site.credentials_secret) if keep and site is not None else {}
    secrets = {**secrets, **(pending or {})}
    for name in secret_names(host, platform):
        if result.get(name) == MASK:
            result[name] = secrets.get(name, "")
    return result


def save(host: PluginHost, site: Site, platform: str, credentials: dict[str, Any]) -> None:
    """Store normalized credentials on the site: public fields readable, secret fields encrypted.

    The audit log gets which fields changed (names only).
    """
    from hub import audit

    audit.record(
        site, "credentials.saved", platform=platform, fields=_changed_fields(site, platform, credentials)
    )
    if site.platform != platform:
        site.connection_status = "not_connected"
    site.platform = platform
    site.credentials_public, site.credentials_secret = split(host, platform, credentials)


def split(host: PluginHost, platform: str, values: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """(readable part, encrypted part) of credentials: only the schema's non-secret fields are readable;
    secret fields and keys the schema does not declare (an issued token, its expiry) are encrypted."""
    public = {spec.name for spec in field_specs(host, platform) if not spec.secret}
    hidden = {k: v for k, v in values.items() if k not in public}
    return {k: v for k, v in values.items() if k in public}, encryption.encrypt(hidden)


def _changed_fields(site: Site, platform: str, new: dict[str, Any]) -> list[str]:
    """Names of the fields whose value differs from what is stored (all of them for a new platform)."""
    if site.platform != platform:
        return sorted(new)
    try:
        old = {**(site.credentials_public or {}), **encryption.decrypt(site.credentials_secret)}
    except encryption.SecretsError:
        return sorted(new)  # the old values cannot be read: count everything as changed
    return sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))


def form_values(host: PluginHost, site: Site, platform: str) -> dict[str, str]:
    """Initial form values for an edit: public values as stored, secrets as the mask, never the value."""
    if site.platform != platform:
        return {}
    values = {k: str(v) for k, v in (site.credentials_public or {}).items()}
    secrets_present = encryption.decrypt(site.credentials_secret) if site.credentials_secret else {}
    for name in secret_names(host, platform):
        if secrets_present.get(name):
            values[name] = MASK
    return values


def persister(host: PluginHost, site_id: int, platform: str) -> Callable[[Mapping[str, Any]], None]:
    """``PluginContext.save_credentials`` for a stored site: refreshed tokens are kept, encrypted.

    Only the schema's non-secret fields are stored readable; secret fields *and* keys the schema does not
    declare (a plugin's issued token, its expiry) are encrypted and never shown on the form. Written in its
    own transaction (a plugin may call it from a fetch thread, mid-run), and only while the site is still
    on ``platform``: a merchant who switched platforms meanwhile keeps their new settings.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    public = {spec.name for spec in field_specs(host, platform) if not spec.secret}

    def save_credentials(new: Mapping[str, Any]) -> None:
        hidden = [v for k, v in new.items() if k not in public]
        redaction.register(*(str(v) for v in hidden if isinstance(v, str) and len(v) >= 8))
        with app.app_context():
            readable, sealed = split(host, platform, new)
            with db.engine.begin() as conn:
                conn.execute(
                    update(Site)
                    .where(Site.id == site_id, Site.platform == platform)
                    .values(credentials_public=readable, credentials_secret=sealed)
                )

    return save_credentials


#: how long secrets typed on the settings page are carried between its submissions
PENDING_TTL_SECONDS = 30 * 60


def _pending_prefix(site: Site, platform: str) -> str:
    return f"{site.id}:{platform}:"


def seal_pending(host: PluginHost, site: Site, platform: str, values: dict[str, Any]) -> str:
    """Encrypt the secret fields the merchant typed but has not saved, for a hidden form field.

    The page never shows a secret, yet a failed test or a typo in another field must not make the
    merchant paste the token again: the ciphertext (bound to this site and platform, valid for
    :data:`PENDING_TTL_SECONDS`) rides along with the form instead. Empty when nothing was typed.
    """
    prefix = _pending_prefix(site, platform)
    names = secret_names(host, platform)
    typed = {prefix + k: v for k, v in values.items() if k in names and v not in (None, "", MASK)}
    return encryption.encrypt(typed) or ""


def open_pending(site: Site, platform: str, token: str | None) -> dict[str, Any]:
    """The secrets sealed by :func:`seal_pending` for this site and platform; {} if absent or stale."""
    if not token:
        return {}
    try:
        values = encryption.decrypt(token, ttl=PENDING_TTL_SECONDS)
    except encryption.SecretsError:
        return {}  # expired or made with a retired key: the merchant types the secret again
    prefix = _pending_prefix(site, platform)
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def changed_fields(host: PluginHost, site: Site, platform: str, credentials: dict[str, Any]) -> list[str]:
    """Labels of the fields whose value differs from the site's saved credentials, in form order."""
    saved = stored(site) if site.platform == platform else {}
    return [
        spec.label
        for spec in field_specs(host, platform)
        if credentials.get(spec.name) not in (None, "") and credentials.get(spec.name) != saved.get(spec.name)
    ]
