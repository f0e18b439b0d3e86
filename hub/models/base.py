"""Shared column helpers for the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Timezone-aware now in UTC: every timestamp the hub stores is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite stores the text SQLAlchemy's DATETIME writes ("YYYY-MM-DD HH:MM:SS.ffffff"), built here in
        # one formatting step instead of a dict of seven fields per value: a sync binds four per product.
        # tests/test_ingest_storage.py checks it gives SQLAlchemy's exact text.
        def process(value):
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (the fastest of the ways)
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
            )  # fmt: skip

        return process

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        # PostgreSQL answers in the session's zone object (e.g. ZoneInfo('Etc/UTC')): one zone everywhere.
        return value.astimezone(UTC)
