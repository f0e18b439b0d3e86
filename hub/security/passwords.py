"""Password hashing with a bound on concurrency, equal-time checks for unknown accounts, and a policy.

Argon2id with the library's default cost takes 64 MiB per hash: 16 parallel log-ins would take 1 GiB of
one web process. ``hash_password`` and ``verify`` therefore run at most ``HUB_PASSWORD_HASH_CONCURRENCY``
hashes at a time per process; the others wait up to ``HUB_PASSWORD_HASH_WAIT_SECONDS`` and then get
``HashingBusy`` (the log-in page says "try again"), never an out-of-memory kill.
"""

from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
#: zxcvbn score (0-4) a password needs: 3 = "safely unguessable: moderate protection from offline attack"
MIN_STRENGTH = 3

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
_limit_lock = threading.Lock()
_slots = threading.BoundedSemaphore(2)
_wait_seconds = 10.0


class HashingBusy(RuntimeError):
    """Too many password hashes are running in this process; the caller should ask to retry."""


class WeakPassword(ValueError):
    """The password is too short, common or guessable; the message says why and what to do."""


def configure(concurrency: int, wait_seconds: float) -> None:
    """Set the per-process bound (called by ``create_app`` from the configuration)."""
    global _slots, _wait_seconds
    with _limit_lock:
        _slots = threading.BoundedSemaphore(max(1, int(concurrency)))
        _wait_seconds = float(wait_seconds)


def _bounded(fn, *args):
    slots = _slots
    if not slots.acquire(timeout=_wait_seconds):
        raise HashingBusy("Too many log-ins at once; try again in a few seconds.")
    try:
        return fn(*args)
    finally:
        slots.release()


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _bounded(_hasher.hash, password)


def verify(password_hash: str, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash) for ``password`` against ``password_hash``."""

    def check() -> tuple[bool, bool]:
        try:
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, _hasher.check_needs_rehash(password_hash)

    return _bounded(check)


_dummy_lock = threading.Lock()
_dummy: list[str] = []


def _dummy_hash() -> str:
    # Made once, under the bound like any hash: 16 first log-ins for unknown emails must not make 16.
    with _dummy_lock:
        if not _dummy:
            _dummy.append(hash_password(secrets.token_urlsafe(16)))
        return _dummy[0]


def verify_unknown(password: str) -> bool:
    """Spend the time a real check takes, for an email with no account (no timing hint); always False."""
    verify(_dummy_hash(), password)
    return False


def check_policy(password: str, user_inputs: list[str] = ()) -> None:
    """Raise ``WeakPassword`` for a short, common or guessable password (zxcvbn, with the user's email)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > 1024:
        raise WeakPassword("The password is too long (at most 1024 characters).")
    from zxcvbn import zxcvbn

    # zxcvbn's cost grows with length; the first 100 characters decide whether it is guessable.
    result = zxcvbn(password[:100], user_inputs=[*user_inputs, "claudery", "hub"])
    if result["score"] < MIN_STRENGTH:
        hint = (result.get("feedback") or {}).get("warning") or "It is too easy to guess."
        raise WeakPassword(
            f"Choose a stronger password. {hint.rstrip('.')}. A few unrelated words make a strong one."
        )
