"""The repository layout: web templates in ``templates/`` at the root, installed inside the package and
overridable per instance."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]


def test_an_instance_template_overrides_the_packaged_one(database_url, tmp_path):
    override = tmp_path / "instance" / "templates" / "error.html"
    override.parent.mkdir(parents=True)
    override.write_text("custom error page: {{ title }}")
    client = make_app(database_url, tmp_path).test_client()
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and resp.get_data(as_text=True) == "custom error page: Not found"
    # Everything not overridden still comes from the packaged templates.
    assert "Log in" in client.get("/login").get_data(as_text=True)


@pytest.mark.slow
def test_the_wheel_installs_the_templates_inside_the_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("claudery_hub-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").rglob("*.html"):
        assert f"hub/templates/{template.relative_to(ROOT / 'templates').as_posix()}" in names
    assert "hub/static/hub.css" in names
    assert "config.py" in names  # the settings module, top level
