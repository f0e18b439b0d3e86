"""The hub's database models, one module per concept; importing this package registers them all."""

from hub.models.alerts import AlertState
from hub.models.audit import AuditEvent
from hub.models.catalog import Brand, Category, Product, ProductPayload, ProductVariantSku
from hub.models.search import AssistantSettings, SearchPreferences, SearchQueryStat
from hub.models.site import ConnectionStatus, Site
from hub.models.sync import RunKind, RunState, SyncError, SyncRun
from hub.models.user import User
from hub.models.webhook import WebhookBatch, WebhookEndpoint
from hub.models.widget import WidgetRefusal, WidgetSearchCount, WidgetSettings

__all__ = [
    "AlertState",
    "AssistantSettings",
    "AuditEvent",
    "Brand",
    "Category",
    "ConnectionStatus",
    "Product",
    "ProductPayload",
    "ProductVariantSku",
    "RunKind",
    "RunState",
    "SearchPreferences",
    "SearchQueryStat",
    "Site",
    "SyncError",
    "SyncRun",
    "User",
    "WebhookBatch",
    "WebhookEndpoint",
    "WidgetRefusal",
    "WidgetSearchCount",
    "WidgetSettings",
]
