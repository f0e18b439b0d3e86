"""Helpers for plugins' demo stores (local stand-ins for a platform's API), platform-neutral.

A demo store runs as ``python -m <module> --config-json JSON`` and announces itself on stdout with
``key=value`` lines (``base_url=…``, credentials, …) followed by a line ``ready``. :func:`launch` starts such a
process for tests and returns what it announced, so each plugin's test fixtures need no process plumbing.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any


@dataclasses.dataclass
class Launched:
    """A demo store process that said ``ready``: the process, its ``key=value`` lines and all output."""

    process: subprocess.Popen
    announced: dict[str, str]
    output: list[str]


def launch(
    module: str, config_json: str, *, startup_timeout: float = 120.0, name: str = "demo store"
) -> Launched:
    """Start ``python -m module --config-json config_json`` and wait for its ``ready`` line.

    Raises RuntimeError with everything the process printed when it exits or stays silent past
    ``startup_timeout`` seconds (the process is killed then).
    """
    cmd = [sys.executable, "-m", module, "--config-json", config_json]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True, name=f"{name} output").start()
    announced: dict[str, str] = {}
    output: list[str] = []
    deadline = time.monotonic() + startup_timeout
    while "ready" not in output:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            raise RuntimeError(f"{name} did not start:\n" + "\n".join(output))
        output.append(line)
        key, sep, value = line.partition("=")
        if sep:
            announced[key] = value
    return Launched(proc, announced, output)


def assign_known(obj: Any, data: dict[str, Any]) -> None:
    """Set the dataclass fields named in ``data``; an unknown name is an error, not a silently ignored setting."""
    names = {f.name for f in dataclasses.fields(obj)}
    for key, value in data.items():
        if key not in names:
            raise ValueError(f"unknown setting {key!r} for {type(obj).__name__}")
        setattr(obj, key, value)
