"""Packaging that pyproject.toml cannot express: the web templates live in ``templates/`` at the repository
root (the project's layout) and are installed inside the package, as ``hub/templates/``; ``config.py``, the
settings module, is at the root and installed as the top-level module ``config``.

Everything else about the package is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["hub", "hub.*"]), "hub.templates"],
    package_dir={"hub.templates": "templates"},
    py_modules=["config"],  # the settings module, at the root too
)
