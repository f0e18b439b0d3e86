"""Many rows into one table in one driver call: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Ingest writes a page's products, payloads and variant SKUs here, past SQLAlchemy's per-row parameter
handling (a dict per row, compiled per execution), which cost more than the database's own work. The
values are converted by each column's own bind processor, so what is stored is what SQLAlchemy would
store, but for JSON, which is orjson's compact text on both databases (:class:`OrjsonJSON`). On
PostgreSQL, binary ``COPY`` instead of a pipelined ``executemany`` of single-row ``INSERT`` statements
(each parsed, planned and answered on its own): ~7 against ~21 µs a variant SKU row, and ~15 % less for a
payload row (text ``COPY`` was ~20 % slower there: the server unescapes ~11 KB of JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import orjson
from sqlalchemy import JSON, Column, MetaData, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True, slots=True)
class Serialized:
    """A JSON value already serialized (while hashing): bound as is by :class:`OrjsonJSON`."""

    json: bytes


def _as_is(value: bytes) -> bytes:
    return value


def json_bytes(value) -> bytes:
    """A JSON column's value as the UTF-8 JSON stored: serialized already, or now by orjson (``None`` is
    ``null``, as ``JSON(none_as_null=False)`` stores it)."""
    if isinstance(value, Serialized):
        return value.json
    return orjson.dumps(value)


class OrjsonJSON(TypeDecorator):
    """The JSON column type, bound from the bytes serialized (by orjson) while hashing, on both databases:
    SQLite gets the bytes themselves, which the statement casts to text (:func:`marks`); PostgreSQL's
    ``COPY`` gets them too (:func:`insert_rows`), its ``UPDATE`` a ``Json`` whose dumps is the identity.
    Other values are serialized by orjson (several times faster than ``json.dumps``), so every way in
    stores the same text.

    Why bytes on SQLite: a ``str`` cost a UTF-8 decode here and an encode in the driver, ~40 % of storing
    a product's payload row (~10 KB of JSON); bound as bytes it would be stored as a BLOB, which SQLite's
    JSON functions (the search triggers read the payload) refuse, hence ``CAST(? AS TEXT)``, which only
    relabels them (orjson writes valid UTF-8).
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            from psycopg.types.json import Json  # only PostgreSQL reaches here

            def process_pg(value):
                return Json(json_bytes(value), dumps=_as_is)

            return process_pg

        return json_bytes


def marks(dialect, table: Table, columns: tuple[str, ...]) -> list[str]:
    """The placeholder of each of ``columns`` in a statement bound by :func:`bound`: on SQLite a JSON
    column's bytes are cast to text (:class:`OrjsonJSON`)."""
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    if dialect.name != "sqlite":
        return [mark] * len(columns)
    return [f"CAST({mark} AS TEXT)" if isinstance(table.c[c].type, OrjsonJSON) else mark for c in columns]


def insert_table(model) -> Table:
    """The model's table for bulk inserts, its JSON columns bound with :class:`OrjsonJSON`."""
    source = model.__table__
    return Table(
        source.name,
        MetaData(),
        *(
            Column(c.name, OrjsonJSON() if isinstance(c.type, JSON) else c.type, primary_key=c.primary_key)
            for c in source.columns
        ),
    )


def _last_value_kept(process: Callable) -> Callable:
    """``process``, answering at once when given the very object it was last given: a page's rows share
    one ``now`` (two timestamp columns a row) and often the same value otherwise."""
    last: list = [object(), None]  # (the value, its result); a sentinel that is never a row's value

    def kept(value):
        if value is last[0]:
            return last[1]
        result = process(value)
        last[0], last[1] = value, result
        return result

    return kept


def _processor(dialect, column: Column, json_as_bytes: bool) -> Callable | None:
    if json_as_bytes and isinstance(column.type, OrjsonJSON):
        return json_bytes
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def bound(
    dialect, table: Table, columns: tuple[str, ...], rows: list[tuple], *, json_as_bytes: bool = False
) -> list[tuple]:
    """``rows`` with each column's bind processor (dates, JSON, ...) applied, looked up once per column;
    with ``json_as_bytes``, JSON columns as the bytes stored (:func:`json_bytes`) whatever the dialect."""
    processors = [
        (i, _last_value_kept(proc))
        for i, name in enumerate(columns)
        if (proc := _processor(dialect, table.c[name], json_as_bytes)) is not None
    ]
    if not processors:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for i, proc in processors:
            values[i] = proc(values[i])
        converted.append(tuple(values))
    return converted


def insert_rows(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (values of ``columns``, in order) into ``table`` in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = ", ".join(columns)
    if dialect.name != "postgresql":
        values = bound(dialect, table, columns, rows)
        values_sql = ", ".join(marks(dialect, table, columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({values_sql})"  # noqa: S608 (names from the models)
        connection.exec_driver_sql(sql, values)
        return
    import psycopg  # only PostgreSQL reaches here

    values = bound(dialect, table, columns, rows, json_as_bytes=True)
    sql = f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"
    try:
        with connection.connection.dbapi_connection.cursor() as cursor:
            cursor.adapters.register_dumper(None, _json_dumper())  # by type oid, for this cursor's COPY only
            types = _column_types(cursor, table.name, columns)
            with cursor.copy(sql) as copy:
                copy.set_types(types)
                for row in values:
                    copy.write_row(row)
    except psycopg.Error as exc:  # raised as SQLAlchemy's, as an executemany's would be: ingest catches those
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc


def _column_types(cursor, table: str, columns: tuple[str, ...]) -> list[int]:
    """The type oids of ``columns``, as binary ``COPY`` needs them; asked each time (one catalog lookup a
    page), so a migration that changes a column's type can never meet a stale answer."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (table,),
    )
    oids = dict(cursor.fetchall())
    return [oids[name] for name in columns]


@cache
def _json_dumper() -> type:
    """A binary ``COPY`` dumper for ``json`` columns that sends the bytes it is given (:func:`json_bytes`) as
    they are: ``json``'s binary form is its text. psycopg's own takes a ``Json`` wrapper and calls its dumps
    for each value (~20 µs a product for the payload's four values and the product's three lists). Our JSON
    columns are all ``json``; a ``jsonb`` one would need its own (a version byte first)."""
    from psycopg.adapt import Dumper
    from psycopg.postgres import types
    from psycopg.pq import Format

    class JsonBytes(Dumper):
        format = Format.BINARY
        oid = types["json"].oid

        def dump(self, obj: bytes) -> bytes:
            return obj

    return JsonBytes
