"""Keep secrets out of logs: every log record is scrubbed of the secret values this process has seen.

Secrets are registered when they are decrypted or typed into a form; the log record factory is
wrapped once so that *every* handler (files, stderr, test capture) sees the masked text. Matching is on
values, not on field names, so a token pasted into a free-text message is masked too.
"""

from __future__ import annotations

import logging
import threading

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words
_MAX_SECRETS = 10_000  # bounded: a long-running worker sees many sites

_lock = threading.Lock()
_secrets: dict[str, None] = {}  # insertion-ordered set
_installed = False


def register(*values: str) -> None:
    """Mask these values in every log record from now on."""
    with _lock:
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                _secrets.pop(value, None)
                _secrets[value] = None
        while len(_secrets) > _MAX_SECRETS:
            _secrets.pop(next(iter(_secrets)))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    if not _secrets or not text:
        return text
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def install() -> None:
    """Wrap the log record factory once per process so every record is redacted at creation."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it is; logging reports it later
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None  # the raw traceback could re-expose the secret through a handler
        return record

    logging.setLogRecordFactory(factory)
