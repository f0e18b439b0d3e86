"""The Redis side of live updates: dedupe keys, each site's list of pending changes, the flush job.

The receiving endpoint only appends to a list and makes sure one flush job is queued for the site; the
job (in a worker) drains the list in batches. Redis keys carry the site id, never a secret.
"""

from __future__ import annotations

import orjson
from flask import current_app
from redis import Redis
from rq import Queue

from hub.contract import ChangeEvent

FLUSH_JOB = "hub.webhooks.apply.flush"


def redis() -> Redis:
    """One client (and connection pool) per app: a delivery must not pay for a new connection."""
    client = current_app.extensions.get("hub_webhook_redis")
    if client is None:
        url = current_app.config["REDIS_URL"]
        if not url:
            raise RuntimeError("REDIS_URL is not set")
        client = current_app.extensions["hub_webhook_redis"] = Redis.from_url(url)
    return client


def _prefix() -> str:
    return f"hub:webhooks:{current_app.config['HUB_QUEUE']}"


def pending_key(site_id: int) -> str:
    """The list of JSON-encoded pending changes of a site."""
    return f"{_prefix()}:pending:{site_id}"


def flag_key(site_id: int) -> str:
    """Set while a flush job for the site is queued or running."""
    return f"{_prefix()}:flush:{site_id}"


def last_key(site_id: int) -> str:
    """Unix time of the last accepted delivery (copied to the database by the flush job)."""
    return f"{_prefix()}:last:{site_id}"


def seen_key(site_id: int, delivery_id: str) -> str:
    """Dedupe marker of one delivery."""
    return f"{_prefix()}:seen:{site_id}:{delivery_id}"


def accept(site_id: int, events: list[ChangeEvent], now: float) -> tuple[int, int]:
    """Queue the events not seen before; returns (accepted, duplicates).

    A delivery id seen within ``HUB_WEBHOOK_DEDUPE_SECONDS`` (longer than the platforms' retry horizon) is
    a retry or a replay: dropped. Ids are per delivery, so a delivery's events share one marker.
    """
    r = redis()
    ttl = int(current_app.config["HUB_WEBHOOK_DEDUPE_SECONDS"])
    fresh: list[ChangeEvent] = []
    checked: dict[str, bool] = {}
    for event in events:
        if event.delivery_id not in checked:
            checked[event.delivery_id] = bool(r.set(seen_key(site_id, event.delivery_id), 1, nx=True, ex=ttl))
        if checked[event.delivery_id]:
            fresh.append(event)
    if fresh:
        encoded = [
            orjson.dumps(
                {
                    "id": e.product_id,
                    "kind": e.kind.value,
                    "at": e.occurred_at.timestamp() if e.occurred_at else None,
                    "t": now,
                }
            )
            for e in fresh
        ]
        pipe = r.pipeline(transaction=False)
        pipe.rpush(pending_key(site_id), *encoded)
        pipe.set(last_key(site_id), now)
        pipe.execute()
        schedule_flush(site_id)
    return len(fresh), len(events) - len(fresh)


def schedule_flush(site_id: int, delay: float = 0.0) -> bool:
    """Queue the site's flush job unless one is queued or running; True when this call queued it."""
    r = redis()
    if not r.set(flag_key(site_id), 1, nx=True, ex=int(current_app.config["HUB_WEBHOOK_FLAG_SECONDS"])):
        return False
    queue = Queue(current_app.config["HUB_QUEUE"], connection=r)
    options = {"job_timeout": 600, "result_ttl": 600, "failure_ttl": 7 * 24 * 3600,
               "description": f"apply webhook changes of site {site_id}"}  # fmt: skip
    if delay > 0:
        from datetime import timedelta

        queue.enqueue_in(timedelta(seconds=delay), FLUSH_JOB, site_id, **options)
    else:
        queue.enqueue(FLUSH_JOB, site_id, **options)
    return True


def drain(site_id: int) -> list[dict]:
    """Take every pending change of the site (atomically: a change is taken once)."""
    r = redis()
    pipe = r.pipeline(transaction=True)
    pipe.lrange(pending_key(site_id), 0, -1)
    pipe.delete(pending_key(site_id))
    items, _ = pipe.execute()
    return [orjson.loads(item) for item in items]


def give_back(site_id: int, items: list[dict]) -> None:
    """Put changes back (a fetch failed transiently): the next flush takes them again."""
    if items:
        redis().lpush(pending_key(site_id), *(orjson.dumps(i) for i in reversed(items)))


def release(site_id: int) -> bool:
    """The flush job ends: clear the flag; True when changes arrived meanwhile (the caller goes on)."""
    r = redis()
    r.delete(flag_key(site_id))
    return bool(r.llen(pending_key(site_id))) and bool(
        r.set(flag_key(site_id), 1, nx=True, ex=int(current_app.config["HUB_WEBHOOK_FLAG_SECONDS"]))
    )


def last_delivery(site_id: int) -> float | None:
    """Unix time of the last accepted delivery, if Redis still has it."""
    value = redis().get(last_key(site_id))
    return float(value) if value else None
