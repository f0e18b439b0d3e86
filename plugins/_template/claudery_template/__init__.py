"""Template platform plugin for Claudery Hub.

The hooks live in :mod:`claudery_template.plugin`, the module the ``claudery_hub.plugins`` entry point
names. Keep this file light: the hub imports the package at start-up.
"""

__version__ = "0.1.0"
