"""Encryption of stored credentials (Fernet, with MultiFernet so keys can be rotated).

``HUB_ENCRYPTION_KEYS`` lists keys newest first: new values are encrypted with the first, and any
listed key decrypts. Rotation: put a new key first, run ``hub keys rotate`` (re-encrypts every site with
the newest key), then drop the old key.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from hub import redaction


class SecretsError(RuntimeError):
    """Stored secrets cannot be decrypted (the key that encrypted them is no longer configured)."""


def _box() -> MultiFernet:
    keys = current_app.config["HUB_ENCRYPTION_KEY_LIST"]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(values: dict[str, Any]) -> str | None:
    """Encrypt a dict of secret values; None when there is nothing to keep."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if not values:
        return None
    return _box().encrypt(json.dumps(values).encode()).decode()


def decrypt(token: str | None, ttl: int | None = None) -> dict[str, Any]:
    """Decrypt what :func:`encrypt` made; registers each value with the log redactor.

    ``ttl`` (seconds) refuses tokens older than that, for values that are only meant to live briefly.
    """
    if not token:
        return {}
    try:
        values = json.loads(_box().decrypt(token.encode(), ttl=ttl))
    except InvalidToken:
        raise SecretsError(
            "Stored credentials cannot be decrypted: the key that encrypted them is not in "
            "HUB_ENCRYPTION_KEYS. Restore the old key (keep it after the new one) or re-enter the credentials."
        ) from None
    redaction.register(*(str(v) for v in values.values()))
    return values


def rotate(token: str | None) -> str | None:
    """Re-encrypt ``token`` with the newest key."""
    if not token:
        return token
    return _box().rotate(token.encode()).decode()


def generate_key() -> str:
    """A new Fernet key, for ``HUB_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode()
