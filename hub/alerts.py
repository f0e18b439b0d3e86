"""Alert emails to merchants: a sync failed, credentials stopped working, API usage is unusual.

``check_and_notify`` scans the database (runs, sites, usage) and is idempotent: a condition is
remembered in ``alert_states`` while it holds and mailed once; when it clears the row is deleted, so
the next occurrence mails again. Several workers may run it at once: a mail is claimed by an atomic
update before it is sent. Sites whose owner opted out (``Site.alerts_enabled``) get no mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from hub import mailer
from hub.extensions import db
from hub.models import AlertState, RunState, Site, SyncRun, User
from hub.models.base import utcnow

log = logging.getLogger(__name__)

SYNC_FAILED = "sync_failed"
NEEDS_ATTENTION = "needs_attention"
UNUSUAL_USAGE = "unusual_usage"
FINAL = (RunState.SUCCEEDED.value, RunState.PARTIALLY_FAILED.value, RunState.FAILED.value)
SUBJECTS = {
    SYNC_FAILED: "Product sync failed for “{site}”",
    NEEDS_ATTENTION: "“{site}” needs attention: the store's credentials stopped working",
    UNUSUAL_USAGE: "Unusual API usage for “{site}”",
}


@dataclass(frozen=True)
class Condition:
    """A condition that holds for a site now, with what the mail should say."""

    site_id: int
    name: str
    detail: str


def _failed_syncs() -> list[Condition]:
    latest = (
        select(SyncRun.site_id, func.max(SyncRun.id).label("run_id"))
        .where(SyncRun.state.in_(FINAL))
        .group_by(SyncRun.site_id)
        .subquery()
    )
    rows = db.session.execute(
        select(SyncRun)
        .join(latest, SyncRun.id == latest.c.run_id)
        .where(SyncRun.state.in_((RunState.FAILED.value, RunState.PARTIALLY_FAILED.value)))
    ).scalars()
    found = []
    for run in rows:
        what = (
            "failed"
            if run.state == RunState.FAILED.value
            else f"finished with {run.products_failed} product error(s)"
        )
        reason = f": {run.error_message}" if run.error_message else "."
        found.append(Condition(run.site_id, SYNC_FAILED, f"Sync run #{run.id} ({run.kind}) {what}{reason}"))
    return found


def _needs_attention() -> list[Condition]:
    rows = db.session.execute(
        select(Site.id, Site.last_test_message).where(Site.connection_status == "needs_attention")
    )
    return [
        Condition(
            site_id,
            NEEDS_ATTENTION,
            f"The last connection test said: {message or 'the credentials were refused.'}",
        )
        for site_id, message in rows
    ]


def _usage(now: datetime) -> list[Condition]:
    cfg = current_app.config
    day_ago, baseline_from = now - timedelta(days=1), now - timedelta(days=8)

    def totals(start: datetime, end: datetime) -> dict[int, tuple[int, float]]:
        rows = db.session.execute(
            select(SyncRun.site_id, func.sum(SyncRun.requests), func.sum(SyncRun.rate_limit_wait_s))
            .where(SyncRun.created_at >= start, SyncRun.created_at < end)
            .group_by(SyncRun.site_id)
        )
        return {site_id: (int(requests or 0), float(waited or 0.0)) for site_id, requests, waited in rows}

    today, before = totals(day_ago, now), totals(baseline_from, day_ago)
    factor, floor = float(cfg["HUB_ALERT_USAGE_FACTOR"]), int(cfg["HUB_ALERT_USAGE_MIN_REQUESTS"])
    wait_limit = float(cfg["HUB_ALERT_RATE_LIMIT_WAIT_SECONDS"])
    found = []
    for site_id, (requests, waited) in today.items():
        usual = before.get(site_id, (0, 0.0))[0] / 7
        reasons = []
        if usual > 0 and requests >= floor and requests > factor * usual:
            reasons.append(
                f"{requests} API requests in the last 24 hours, about {requests / usual:.0f}x a usual day ({usual:.0f})"
            )
        if waited >= wait_limit:
            reasons.append(
                f"syncs waited {waited / 60:.0f} minutes on the platform's rate limits (429 answers) in 24 hours"
            )
        if reasons:
            text = "; ".join(reasons)
            found.append(Condition(site_id, UNUSUAL_USAGE, text[0].upper() + text[1:] + "."))
    return found


def current_conditions(now: datetime | None = None) -> dict[tuple[int, str], Condition]:
    """Every condition that holds now, keyed by (site, name)."""
    now = now or utcnow()
    found = [*_failed_syncs(), *_needs_attention(), *_usage(now)]
    return {(c.site_id, c.name): c for c in found}


def _body(site: Site, condition: str, detail: str) -> str:
    link = ""
    base = current_app.config.get("HUB_PUBLIC_URL")
    if base:
        with current_app.test_request_context(base_url=base):
            link = f"\nOpen the site: {base}{url_for('sites.show', site_id=site.id)}\n"
    advice = {
        SYNC_FAILED: "The products the shopping assistant knows may be out of date until a sync succeeds.",
        NEEDS_ATTENTION: "Syncs stop until the credentials work again: update them on the site's Platform page.",
        UNUSUAL_USAGE: "If you did not expect this, check the store's API accounts and the hub's sync schedule.",
    }[condition]
    return (
        f"Hello,\n\n{detail}\n\n{advice}\n{link}\n"
        "You get one email per problem until it clears. To stop these emails for this site, switch off "
        "alerts on the site's page in Claudery Hub.\n"
    )


def _mail(state: AlertState, site: Site, owner: User) -> bool:
    """Claim and send one alert; False when another worker claimed it or the mail failed."""
    claimed = db.session.execute(
        update(AlertState)
        .where(AlertState.id == state.id, AlertState.mailed_at.is_(None))
        .values(mailed_at=utcnow())
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    try:
        mailer.send(owner.email, "[Claudery Hub] " + SUBJECTS[state.condition].format(site=site.name),
                    _body(site, state.condition, state.detail))  # fmt: skip
    except mailer.MailError as exc:
        log.warning("alert for site %s not sent: %s", site.id, exc)
        db.session.execute(update(AlertState).where(AlertState.id == state.id).values(mailed_at=None))
        db.session.commit()
        return False
    log.info("alert %s mailed for site %s", state.condition, site.id)
    return True


def check_and_notify(now: datetime | None = None) -> list[tuple[int, str]]:
    """Open, clear and mail alert conditions; returns the (site id, condition) pairs mailed in this pass."""
    holding = current_conditions(now)
    known = {(s.site_id, s.condition): s for s in db.session.scalars(select(AlertState))}
    cleared = [state.id for key, state in known.items() if key not in holding]
    if cleared:
        db.session.execute(delete(AlertState).where(AlertState.id.in_(cleared)))
    for key, condition in holding.items():
        if key not in known:
            db.session.add(
                AlertState(site_id=condition.site_id, condition=condition.name, detail=condition.detail)
            )
    try:
        db.session.commit()
    except IntegrityError:  # another worker opened the same condition at the same moment: it will mail it
        db.session.rollback()
    if not mailer.configured():
        return []
    sent = []
    pending = db.session.execute(
        select(AlertState, Site, User)
        .join(Site, Site.id == AlertState.site_id)
        .join(User, User.id == Site.owner_id)
        .where(AlertState.mailed_at.is_(None), Site.alerts_enabled.is_(True))
    ).all()
    for state, site, owner in pending:
        if _mail(state, site, owner):
            sent.append((site.id, state.condition))
    return sent
