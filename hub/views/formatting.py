"""How the dashboard writes dates, durations, counts and prices (Jinja filters and globals).

One place for the merchant-facing wording of values, so every page says "1 product", "3 min 20 s" and
"EUR 12.50" the same way. Times are stored in UTC and shown in UTC, always with the zone named.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import Flask

from hub.sync.runs import kind_label, outcome_text, run_stage_label, run_state_label, stage_label

#: ISO 4217 codes the dashboard writes as a symbol; any other code is written before the amount
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def datetime_short(value: datetime | None) -> str:
    """``2026-12-02 14:05 UTC``."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def datetime_full(value: datetime | None) -> str:
    """``2026-12-02 14:05:09 UTC`` (for tooltips and run details)."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def duration(value: float | timedelta | None) -> str:
    """``45 s``, ``3 min 20 s``, ``2 h 05 min``; ``—`` when unknown."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def run_duration(run) -> str:
    """How long a run took (or has taken so far)."""
    if run.started_at is None:
        return "—"
    end = run.finished_at or datetime.now(run.started_at.tzinfo)
    return duration(end - run.started_at)


def plural(count: int | None, singular: str, plural_form: str | None = None) -> str:
    """``1 product``, ``2 products``, ``1,500 products``."""
    count = count or 0
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def money(amount: str | None, currency: str | None) -> str:
    """A price with its currency: ``$12.50``, ``CHF 12.50``; ``—`` when there is none."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    text = f"{value:,.2f}"
    if not currency:
        return text
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{currency.upper()} {text}"


def register(app: Flask) -> None:
    """Install the filters and globals on ``app``'s Jinja environment."""
    app.jinja_env.filters.update(
        datetime_short=datetime_short,
        datetime_full=datetime_full,
        duration=duration,
        money=money,
    )
    app.jinja_env.globals.update(
        plural=plural,
        run_duration=run_duration,
        run_state_label=run_state_label,
        stage_label=stage_label,
        run_stage_label=run_stage_label,
        kind_label=kind_label,
        outcome_text=outcome_text,
    )
