"""Files with secrets in them are created readable by their owner only (0600), folders 0700."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_dir(path: Path) -> None:
    """Create ``path`` (0700) if missing."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def private_sqlite_file(database_uri: str) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would use the umask, often 0644).

    SQLite gives its -wal and -shm files the database file's permissions, so they follow.
    """
    prefix = "sqlite:///"
    if not database_uri.startswith(prefix) or ":memory:" in database_uri:
        return
    path = Path(database_uri[len(prefix) :].split("?", 1)[0])
    if path.exists() or not path.parent.exists():
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
