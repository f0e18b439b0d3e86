"""The names that tie plugins to the host: project name, entry-point group, contract version, markers."""

from __future__ import annotations

import pluggy

PROJECT_NAME = "claudery_hub"
ENTRY_POINT_GROUP = "claudery_hub.plugins"

#: the contract this hub implements; a plugin declares the version it was built for in
#: ``PlatformInfo.contract_version`` and the host refuses (lists as failed) any other version
CONTRACT_VERSION = 2
#: versions a plugin may declare and still load
SUPPORTED_CONTRACT_VERSIONS = frozenset({2})

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
