"""Packaging that pyproject.toml cannot express: the web templates live in ``templates/`` at the repository
root (the project's layout) and are installed inside the package, as ``hub/templates/``.

Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["hub", "hub.*"]), "hub.templates"],
    package_dir={"hub.templates": "templates"},
)
