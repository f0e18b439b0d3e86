"""The audit log of a site's access changes: credentials saved, widget key rotated, origins changed.

Entries say who (the logged-in account, or "command line"), when and *what* by name (field names,
origins, on/off), never a credential value. They are written in the caller's transaction, so a change
and its entry are committed together.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEvent, Site

CLI_ACTOR = "command line"
ACTIONS = {
    "credentials.saved": "Credentials saved",
    "widget.key_rotated": "Widget key rotated",
    "widget.origins_changed": "Allowed storefront addresses changed",
    "widget.enabled": "Widget switched on",
    "widget.disabled": "Widget switched off",
}


def _actor() -> tuple[str, int | None]:
    if has_request_context():
        from flask_login import current_user

        if current_user.is_authenticated:
            return current_user.email, current_user.id
    return CLI_ACTOR, None


def record(site: Site, action: str, **detail: Any) -> AuditEvent:
    """Add an entry for ``site`` (not committed). ``detail`` holds names only, never secret values."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if site.id is None:
        db.session.flush()  # a site created in this transaction (the CLI) needs its id
    actor, user_id = _actor()
    event = AuditEvent(site_id=site.id, user_id=user_id, actor=actor, action=action, detail=detail)
    db.session.add(event)
    return event


def recent(site: Site, limit: int = 20) -> list[AuditEvent]:
    """The site's latest entries, newest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.site_id == site.id)
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
    )


def describe(event: AuditEvent) -> str:
    """One line for the site page: the action and what changed, by name."""
    label = ACTIONS.get(event.action, event.action)
    detail = event.detail or {}
    parts = []
    if detail.get("platform"):
        parts.append(f"platform {detail['platform']}")
    if "fields" in detail:
        parts.append("changed: " + (", ".join(detail["fields"]) or "nothing"))
    if detail.get("added"):
        parts.append("added " + ", ".join(detail["added"]))
    if detail.get("removed"):
        parts.append("removed " + ", ".join(detail["removed"]))
    return label + (f" ({'; '.join(parts)})" if parts else "")
