"""Log output: readable lines by default, one JSON object per line with ``HUB_LOG_FORMAT=json``."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", "exc"?}``: what log shippers (Loki, ELK, CloudWatch) parse."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line (the message already redacted by ``hub.redaction``)."""
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_text:  # already formatted and redacted by hub.redaction
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str) -> None:
    """Give the root logger one handler in the chosen format (idempotent)."""
    root = logging.getLogger()
    if log_format != "json":
        return
    for handler in root.handlers:
        if isinstance(handler.formatter, JsonFormatter):
            return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
