"""The plugin host: loads platform plugins from entry points and routes each call to one plugin.

Built-in plugins are installed packages declaring the ``claudery_hub.plugins`` entry
point, exactly like third-party ones. A plugin that fails to import, register or describe itself is
logged and listed as failed; the hub keeps serving the others.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
from flask import current_app

from config import Defaults
from hub import contract
from hub.contract import (
    CAPABILITY_HOOKS,
    REQUIRED_HOOKS,
    SUPPORTED_CONTRACT_VERSIONS,
    PlatformInfo,
    hookspecs,
)

log = logging.getLogger(__name__)
PLATFORM_KEY = re.compile(r"^[a-z0-9_]{1,64}$")
#: hooks whose first argument is ``platform`` and which reach only that platform's plugin
PLATFORM_HOOKS = frozenset(
    name
    for name in dir(hookspecs)
    if name != "platform_info"
    and callable(getattr(hookspecs, name))
    and hasattr(getattr(hookspecs, name), f"{contract.PROJECT_NAME}_spec")
    and "platform" in getattr(hookspecs, name).__code__.co_varnames[:1]
)


#: hub settings every plugin may read
SHARED_SETTINGS = frozenset({"HUB_HTTP_CONNECT_TIMEOUT", "HUB_HTTP_READ_TIMEOUT", "HUB_USER_AGENT"})


class PlatformNotFound(LookupError):
    """No loaded plugin declares this platform key."""


class HookNotImplemented(NotImplementedError):
    """The platform's plugin does not implement a hook the caller needs."""


@dataclass(frozen=True)
class PluginStatus:
    """One line of ``hub plugins list`` / the plugins page."""

    name: str
    source: str  #: the entry point's value, or "registered" for plugins added in code
    ok: bool
    platform: str | None = None
    hooks: tuple[str, ...] = ()
    error: str | None = None
    version: str | None = None


class PluginHost:
    """Owns the pluggy manager; one per app (``current_host()``) and one for the CLI."""

    def __init__(
        self,
        *,
        autoload: bool = True,
        allow: Iterable[str] = (),
        plugins: Iterable[tuple[str, object]] = (),
        eps: Iterable[EntryPoint] | None = None,
    ):
        self.pm = pluggy.PluginManager(contract.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self._statuses: dict[str, PluginStatus] = {}
        self._platforms: dict[str, tuple[PlatformInfo, object]] = {}
        self._callers: dict[tuple[str, str], Any] = {}
        allowed = {a.strip() for a in allow if a.strip()}
        if autoload:
            for ep in eps if eps is not None else entry_points(group=contract.ENTRY_POINT_GROUP):
                if allowed and ep.name not in allowed:
                    continue
                self._load_entry_point(ep)
        for name, plugin in plugins:
            self.register(plugin, name=name)

    # ----- loading ----------------------------------------------------------------------------------

    def _load_entry_point(self, ep: EntryPoint) -> None:
        version = ep.dist.version if ep.dist is not None else None
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not take the hub down
            log.exception("plugin %s (%s) failed to import", ep.name, ep.value)
            self._statuses[ep.name] = PluginStatus(
                ep.name,
                ep.value,
                ok=False,
                error=f"import failed: {type(exc).__name__}: {exc}",
                version=version,
            )
            return
        self.register(plugin, name=ep.name, source=ep.value, version=version)

    def register(self, plugin: object, *, name: str, source: str = "registered", version: str | None = None):
        """Register a plugin object (a module or an instance); failures are recorded, not raised."""
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except Exception as exc:
            log.exception("plugin %s failed to register", name)
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self._statuses[name] = PluginStatus(name, source, ok=False, error=f"register failed: {exc}")
            return
        hooks = tuple(sorted(impl.name for impl in self.pm.get_hookcallers(plugin) or ()))
        platform_key = None
        try:
            info = plugin.platform_info() if hasattr(plugin, "platform_info") else None
            if info is not None:
                platform_key = self._add_platform(info, plugin)
        except Exception as exc:
            log.exception("plugin %s failed to describe its platform", name)
            self.pm.unregister(plugin)
            self._statuses[name] = PluginStatus(name, source, ok=False, hooks=hooks, error=str(exc))
            return
        self._statuses[name] = PluginStatus(
            name, source, ok=True, platform=platform_key, hooks=hooks, version=version
        )
        self._callers.clear()

    def _add_platform(self, info: PlatformInfo, plugin: object) -> str:
        if not isinstance(info, PlatformInfo):
            raise TypeError(f"platform_info() must return a PlatformInfo, got {type(info).__name__}")
        if not PLATFORM_KEY.match(info.key):
            raise ValueError(f"platform key {info.key!r} must match {PLATFORM_KEY.pattern}")
        if info.key in self._platforms:
            raise ValueError(f"platform {info.key!r} is already provided by another plugin")
        if info.contract_version not in SUPPORTED_CONTRACT_VERSIONS:
            raise ValueError(
                f"built for plugin contract version {info.contract_version}; this hub supports "
                f"{', '.join(map(str, sorted(SUPPORTED_CONTRACT_VERSIONS)))} (see hub/contract)"
            )
        implemented = {impl.name for impl in self.pm.get_hookcallers(plugin) or ()}
        missing = sorted(REQUIRED_HOOKS - implemented)
        if missing:
            raise ValueError(f"a platform plugin must implement {', '.join(missing)}")
        for capability in info.capabilities:
            hooks = CAPABILITY_HOOKS.get(capability, ())
            if hooks and not implemented.intersection(hooks):
                raise ValueError(f"declares the {capability} capability but implements none of {hooks}")
        self._platforms[info.key] = (info, plugin)
        return info.key

    # ----- queries ----------------------------------------------------------------------------------

    def statuses(self) -> list[PluginStatus]:
        """Every plugin seen, loaded or failed, by name."""
        return [self._statuses[k] for k in sorted(self._statuses)]

    def platforms(self) -> list[PlatformInfo]:
        """Installed platforms, sorted by display name (the dropdown's choices)."""
        return sorted((info for info, _ in self._platforms.values()), key=lambda i: i.display_name.lower())

    def platform(self, key: str) -> PlatformInfo:
        """The PlatformInfo of ``key``; raises PlatformNotFound."""
        try:
            return self._platforms[key][0]
        except KeyError:
            raise PlatformNotFound(f"no installed plugin provides the platform {key!r}") from None

    def has_platform(self, key: str | None) -> bool:
        """True when a loaded plugin provides ``key``."""
        return key in self._platforms

    def supports(self, platform: str, hook: str) -> bool:
        """True when the platform's plugin implements ``hook``."""
        plugin = self._plugin(platform)
        return any(impl.plugin is plugin for impl in getattr(self.pm.hook, hook).get_hookimpls())

    # ----- calls ------------------------------------------------------------------------------------

    def _plugin(self, platform: str) -> object:
        self.platform(platform)
        return self._platforms[platform][1]

    def call(self, platform: str, hook: str, **kwargs: Any) -> Any:
        """Call a platform hook on ``platform``'s plugin only; raises HookNotImplemented if it has none."""
        if hook not in PLATFORM_HOOKS:
            raise ValueError(f"{hook} is not a platform hook")
        caller = self._callers.get((platform, hook))
        if caller is None:
            plugin = self._plugin(platform)
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
            self._callers[(platform, hook)] = caller
        if not caller.get_hookimpls():
            raise HookNotImplemented(f"the {platform} plugin does not implement {hook}")
        return caller(platform=platform, **kwargs)

    def call_all(self, hook: str, **kwargs: Any) -> list[Any]:
        """Call a host hook on every plugin."""
        return getattr(self.pm.hook, hook)(**kwargs)

    def call_each(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a host hook on each plugin separately: ``(plugin name, result)`` for each that has it."""
        results = []
        for name, plugin in self.pm.list_name_plugin():
            if not any(impl.plugin is plugin for impl in getattr(self.pm.hook, hook).get_hookimpls()):
                continue
            others = [p for p in self.pm.get_plugins() if p is not plugin]
            for result in self.pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs):
                results.append((name, result))
        return results

    def settings_for(self, platform: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """The settings a platform plugin may read: its prefix's keys and the general HTTP ones.

        Never the hub's secrets (``SECRET_KEY``, ``HUB_ENCRYPTION_KEYS``, ``DATABASE_URL``, ...).
        """
        prefix = self.platform(platform).prefix
        return {
            key: value
            for key, value in config.items()
            if isinstance(key, str) and (key.startswith(prefix) or key in SHARED_SETTINGS)
        }


def host_from_config(config: Mapping[str, Any], plugins: Iterable[tuple[str, object]] = ()) -> PluginHost:
    """Build the host the configuration asks for (``HUB_PLUGINS_AUTOLOAD``, ``HUB_PLUGINS``).

    ``config`` is the app's configuration, or ``os.environ`` where no app exists yet (the CLI's start).
    """
    return PluginHost(
        # ``config`` may be os.environ (before an app exists): the defaults still come from config.py only.
        autoload=str(config.get("HUB_PLUGINS_AUTOLOAD", Defaults.HUB_PLUGINS_AUTOLOAD))
        not in ("0", "false", "no", ""),
        allow=str(config.get("HUB_PLUGINS", Defaults.HUB_PLUGINS)).split(","),
        plugins=plugins,
    )


def current_host() -> PluginHost:
    """The plugin host of the current app."""
    return current_app.extensions["hub_plugins"]
