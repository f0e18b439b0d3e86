#!/usr/bin/env python3
"""Set up and run Claudery Hub on a fresh machine with only Python 3.11+.

    python3 dev.py run     # virtualenv, install, migrations, then the hub + demo store + worker
    python3 dev.py test    # virtualenv, install with test extras, then pytest (extra args go to pytest)

Installs into ./.venv and reinstalls only when a pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HUB_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
#: the hub, then every plugin package under plugins/ (found by convention; the template is a skeleton to copy)
PLUGIN_PACKAGES = sorted(
    f"plugins/{path.parent.name}"
    for path in (ROOT / "plugins").glob("*/pyproject.toml")
    if not path.parent.name.startswith("_")
)
PACKAGES = [".", *PLUGIN_PACKAGES]


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for package in PACKAGES:
        for name in ("pyproject.toml", "setup.py"):
            if (ROOT / package / name).exists():
                digest.update((ROOT / package / name).read_bytes())
    return digest.hexdigest()


def ensure_venv(extras: str) -> None:
    """Create the virtualenv and install the hub and its plugins (editable) when needed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Claudery Hub needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        print(f"Creating virtualenv in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_file = VENV / f".claudery-installed-{extras or 'base'}"
    stamp = _stamp(extras)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print("Installing Claudery Hub and its plugins ...", flush=True)
    hub_spec = f".[{extras}]" if extras else "."
    if not extras and not shutil.which("redis-server"):
        hub_spec = ".[embedded-redis]"
    specs = ["-e", hub_spec] + [arg for pkg in PACKAGES[1:] for arg in ("-e", pkg)]
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *specs],
        cwd=ROOT,
        check=True,
    )
    stamp_file.write_text(stamp)


def migrate(env: dict[str, str], verbose: bool) -> None:
    """Apply pending migrations; say only what changed (Alembic's INFO lines with --verbose or on failure)."""
    done = subprocess.run(
        [str(BIN / "hub"), "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(f"Could not migrate the database (exit code {done.returncode}); see above.")
    for line in done.stderr.splitlines():
        if verbose or "Running upgrade" in line:
            print(line.split("] ", 1)[-1] if not verbose else line, flush=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    if command == "run":
        ensure_venv("")
        env = {**os.environ}
        migrate(env, verbose="--verbose" in argv[1:])
        os.execve(str(BIN / "hub"), [str(BIN / "hub"), "quickstart", *argv[1:]], env)
    if command == "test":
        ensure_venv("test")
        os.chdir(ROOT)
        os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", *argv[1:]])
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
