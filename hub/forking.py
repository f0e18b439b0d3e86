"""Database connections and ``fork()``: a child process must not keep its parent's connections alive.

RQ forks helper processes (its scheduler) from a worker that holds pooled PostgreSQL connections. The
child inherits their sockets; if the worker is then killed mid-transaction, the server still sees the
connection open (the child holds it), so the transaction stays "idle in transaction" with its row locks,
and the watchdog's takeover of the run waits on them forever. After a fork the child closes its copies of
those sockets (the parent's connections are untouched: the socket lives while any process holds it) and
drops the pool, so a killed worker's connections end with it.
"""

from __future__ import annotations

import contextlib
import os
import weakref

from sqlalchemy import event
from sqlalchemy.engine import Engine

_connections: weakref.WeakSet = weakref.WeakSet()
_engines: weakref.WeakSet = weakref.WeakSet()
#: connections orphaned in this (child) process: kept referenced so that they are never garbage-collected
#: (closing them would talk to the server on the parent's behalf, or close a reused descriptor number)
_orphans: list = []


@event.listens_for(Engine, "connect")
def _track(dbapi_connection, record) -> None:
    if hasattr(dbapi_connection, "fileno"):
        with contextlib.suppress(TypeError):
            _connections.add(dbapi_connection)


@event.listens_for(Engine, "engine_connect")
def _track_engine(connection) -> None:
    _engines.add(connection.engine)


def _after_fork_in_child() -> None:
    for dbapi_connection in list(_connections):
        _orphans.append(dbapi_connection)
        with contextlib.suppress(Exception):
            os.close(dbapi_connection.fileno())
    for engine in list(_engines):
        with contextlib.suppress(Exception):
            engine.dispose(close=False)  # new connections from here on; inherited ones are not reused


os.register_at_fork(after_in_child=_after_fork_in_child)
