"""``hub sync ...`` and ``hub products export``: the operator's view of syncs and the synced catalog."""

from __future__ import annotations

import sys
import time

import click
import orjson
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.extensions import db
from hub.models import Product, RunKind, Site, SyncRun
from hub.security.limits import CLI_ID
from hub.sync import runs


def _site(site_id: int) -> Site:
    site = db.session.get(Site, site_id)
    if site is None:
        raise click.ClickException(f"No site {site_id}.")
    return site


@click.group("sync")
def sync_group() -> None:
    """Run and watch product syncs."""


def _line(p: dict) -> str:
    total = p["expected_total"]
    done = p["seen"] + p["failed"]
    pct = f"{100 * done / total:5.1f}%" if total else "   ?  "
    eta = f" ETA {p['eta_s']}s" if p["eta_s"] is not None else ""
    return (
        f"run {p['id']} {p['kind']} {p['state']:<16} {p['stage']:<11} {done}/{total or '?'} {pct} "
        f"{p['rate_per_s']}/s wait {p['rate_limit_wait_s']}s{eta}"
    )


@sync_group.command("run")
@click.argument("site_id", type=CLI_ID)
@click.option("--full", is_flag=True, help="Walk the whole catalog instead of what changed.")
@click.option("--reconcile", is_flag=True, help="Only archive products deleted at the platform.")
@click.option("--wait", is_flag=True, help="Follow the run; exit non-zero unless it succeeded.")
@with_appcontext
def sync_run(site_id: int, full: bool, reconcile: bool, wait: bool) -> None:
    """Enqueue a sync of SITE_ID (or show the one already active)."""
    site = _site(site_id)
    kind = RunKind.RECONCILE if reconcile else RunKind.FULL if full else RunKind.INCREMENTAL
    run, created = runs.start_run(site, kind, trigger="cli")
    click.echo(f"{'Started' if created else 'Already active:'} run {run.id} ({run.kind})")
    if not wait:
        return
    width = 0
    while True:
        db.session.expire_all()
        run = db.session.get(SyncRun, run.id)
        line = _line(runs.progress(run))
        if sys.stdout.isatty():
            click.echo("\r" + line.ljust(width), nl=False)
            width = len(line)
        else:
            click.echo(line)
        if run.state not in runs.ACTIVE:
            break
        time.sleep(1)
    click.echo("")
    if run.error_message:
        click.echo(run.error_message, err=True)
    sys.exit(0 if run.state == "succeeded" else 1)


@sync_group.command("status")
@click.argument("site_id", type=CLI_ID)
@with_appcontext
def sync_status(site_id: int) -> None:
    """Show the site's latest runs and stored product count."""
    _site(site_id)
    for run in runs.history(site_id, limit=10):
        click.echo(_line(runs.progress(run)) + (f"  {run.error_message}" if run.error_message else ""))
    click.echo(f"stored products: {runs.stored_product_count(site_id)}")


@sync_group.command("cancel")
@click.argument("site_id", type=CLI_ID)
@with_appcontext
def sync_cancel(site_id: int) -> None:
    """Cancel the site's active run."""
    _site(site_id)
    run = runs.cancel(site_id)
    click.echo("No active run." if run is None else f"Run {run.id}: {run.state} (cancel requested)")


@click.group("products")
def products_group() -> None:
    """The synced catalog."""


@products_group.command("export")
@click.argument("site_id", type=CLI_ID)
@with_appcontext
def products_export(site_id: int) -> None:
    """Write the site's products as JSON Lines (archived ones included and marked)."""
    _site(site_id)
    out = sys.stdout.buffer
    last = 0
    while True:  # keyset pages keep memory flat for large catalogs
        products = db.session.scalars(
            select(Product)
            .options(selectinload(Product.payload))  # children with their products: one query a page
            .where(Product.site_id == site_id, Product.id > last)
            .order_by(Product.id)
            .limit(500)
        ).all()
        if not products:
            break
        pks = [p.id for p in products]
        for p in products:
            record = {
                "id": p.platform_id,
                "name": p.name,
                "sku": p.sku,
                "price": p.price,
                "sale_price": p.sale_price,
                "is_visible": p.is_visible,
                "date_modified": p.date_modified.isoformat() if p.date_modified else None,
                "brand_id": p.brand_id,
                "brand_ids": p.brand_ids or ([p.brand_id] if p.brand_id else []),
                "categories": p.category_ids,
                "tags": p.tags or [],
                "url": p.url,
                "purchasable": p.purchasable,
                "in_stock": p.in_stock,
                "archived": p.archived_at is not None,
                "variants": [{"id": v["id"], "sku": v["sku"], "price": v["price"]} for v in p.variants or ()],
                "images": [{"id": i["id"], "url": i["url"]} for i in p.images or ()],
                "custom_fields": [{"name": f["name"], "value": f["value"]} for f in p.custom_fields or ()],
            }
            out.write(orjson.dumps(record) + b"\n")
        last = pks[-1]
        db.session.expunge_all()
    out.flush()
