"""A site's status at a glance: the setup checklist of the Overview page and the row of the sites list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hub.extensions import db
from hub.models import Site, SyncError, SyncRun, WidgetSettings
from hub.sync import runs
from hub.widget.activity import Activity, activity


@dataclass(frozen=True)
class SiteSummary:
    """What the merchant needs to know about one site, and what to do next."""

    site: Site
    stored: int
    store_total: int | None
    store_total_at: datetime | None
    active_run: SyncRun | None
    last_run: SyncRun | None
    widget: WidgetSettings | None
    widget_activity: Activity | None

    @property
    def connected(self) -> bool:
        """The connection works."""
        return self.site.connection_status == "connected"

    @property
    def synced(self) -> bool:
        """At least one sync read products into the hub."""
        return self.stored > 0

    @property
    def widget_live(self) -> bool:
        """The widget is on and a storefront loaded it."""
        return bool(self.widget and self.widget.enabled and self.widget.last_seen_at)

    @property
    def next_step(self) -> str:
        """The first unfinished step: ``connect``, ``sync``, ``widget`` or ``done``."""
        if not self.connected:
            return "connect"
        if not self.synced:
            return "sync"
        return "done" if self.widget_live else "widget"


def summarize(site: Site, with_activity: bool = True) -> SiteSummary:
    """Everything the Overview and the sites list show for ``site``."""
    total, total_at = runs.last_known_total(site)
    widget = db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_id == site.id))
    history = runs.history(site.id, 1)
    active = runs.active_run(site.id)
    finished = next((r for r in runs.history(site.id, 5) if r.state not in runs.ACTIVE), None)
    return SiteSummary(
        site=site,
        stored=runs.stored_product_count(site.id),
        store_total=total,
        store_total_at=total_at,
        active_run=active,
        last_run=finished or (history[0] if history else None),
        widget=widget,
        widget_activity=activity(widget) if widget is not None and with_activity else None,
    )


def deletion_inventory(site: Site) -> dict[str, int | bool]:
    """What deleting ``site`` takes away, counted, for the confirmation page."""
    from hub.models import Product

    products = db.session.scalar(select(func.count()).select_from(Product).where(Product.site_id == site.id))
    run_count = db.session.scalar(select(func.count()).select_from(SyncRun).where(SyncRun.site_id == site.id))
    errors = db.session.scalar(
        select(func.count()).select_from(SyncError).join(SyncRun).where(SyncRun.site_id == site.id)
    )
    widget = db.session.scalar(select(WidgetSettings).where(WidgetSettings.site_id == site.id))
    return {
        "credentials": bool(site.credentials_secret or site.credentials_public),
        "products": products or 0,
        "runs": run_count or 0,
        "errors": errors or 0,
        "widget": widget is not None,
        "widget_live": bool(widget and widget.enabled and widget.last_seen_at),
    }
