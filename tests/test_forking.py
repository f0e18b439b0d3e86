"""A killed process's database transaction ends with it, even when it had forked a child (RQ's scheduler)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, text

SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from sqlalchemy import create_engine, text
    import hub.forking  # noqa: F401  (what every hub process imports)

    engine = create_engine(sys.argv[1])
    conn = engine.connect()
    conn.execute(text("UPDATE fork_probe SET n = n + 1 WHERE id = 1"))  # holds the row lock, uncommitted
    child = os.fork()
    if child == 0:
        time.sleep(60)  # a helper process that outlives its parent, as RQ's scheduler can
        os._exit(0)
    print(f"locked {child}", flush=True)
    time.sleep(60)
    """
)


@pytest.mark.postgres
def test_a_killed_parents_row_locks_are_released_although_its_child_lives(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the inherited-socket problem is PostgreSQL's (SQLite holds no server session)")
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS fork_probe (id integer PRIMARY KEY, n integer)"))
        conn.execute(text("DELETE FROM fork_probe"))
        conn.execute(text("INSERT INTO fork_probe VALUES (1, 0)"))
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, url], stdout=subprocess.PIPE, text=True)
    child = None
    try:
        line = proc.stdout.readline().split()
        assert line and line[0] == "locked", line
        child = int(line[1])
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # forever, before the fix
            conn.execute(text("UPDATE fork_probe SET n = n + 10 WHERE id = 1"))
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT n FROM fork_probe WHERE id = 1")).scalar() == 10
            )  # killed: rolled back
    finally:
        if child is not None:
            with __import__("contextlib").suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        proc.kill()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS fork_probe"))
        engine.dispose()
