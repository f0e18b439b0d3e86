"""Which stages a run walks, planned from the run's kind and the plugin's declared capabilities."""

from __future__ import annotations

from hub.contract import Capability, PlatformInfo
from hub.models import RunKind, SyncRun
from hub.plugins import PluginHost
from hub.sync import stages


def has_taxonomy(host: PluginHost, platform: str) -> bool:
    """True when the plugin lists categories or brands (the hooks are optional)."""
    return host.supports(platform, "fetch_categories") or host.supports(platform, "fetch_brands")


def can_list_ids(host: PluginHost, platform: str) -> bool:
    """True when the plugin can list every product id (reconcile, walk verification)."""
    return host.supports(platform, "list_product_ids")


def plan_stages(run: SyncRun, info: PlatformInfo, host: PluginHost) -> list[stages.Stage]:
    """The run's stages in order; a resumed run skips those before its stored stage."""
    taxonomy = has_taxonomy(host, info.key)
    listing = can_list_ids(host, info.key)
    if run.kind == RunKind.RECONCILE.value and listing:
        return [*([stages.Taxonomy()] if taxonomy else []), stages.Reconcile()]
    if run.kind == RunKind.INCREMENTAL.value and info.has(Capability.INCREMENTAL):
        # ~ceil(changes/page) requests: categories and brands only when a changed product names a new one
        return [stages.Products(), *([stages.Taxonomy(only_if_unknown=True)] if taxonomy else [])]
    # A full walk (also what a reconcile or incremental falls back to when the plugin cannot do them).
    verify = [stages.Verify(exact=info.has(Capability.EXACT_PAGING))] if listing else []
    return [*([stages.Taxonomy()] if taxonomy else []), stages.Products(full=True), *verify]
