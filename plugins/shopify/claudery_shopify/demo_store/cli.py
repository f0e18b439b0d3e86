"""``hub shopify-demo-store`` / ``python -m claudery_shopify.demo_store``: run a demo store in the foreground."""

from __future__ import annotations

import json
import signal
import sys
import threading

import click

from claudery_shopify.demo_store.config import PLANS, DemoStoreConfig, ShopConfig, faults_from_dict


def _shop_option(value: str) -> ShopConfig:
    """Parse ``HANDLE:TOKEN[:scope,scope...]``."""
    parts = value.split(":", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise click.BadParameter(f"expected HANDLE:TOKEN[:scope,scope], got {value!r}")
    shop = ShopConfig(handle=parts[0], access_token=parts[1], client_id=f"client-{parts[0]}-{parts[1][-6:]}")
    if len(parts) == 3:
        shop.scopes = tuple(s for s in parts[2].replace(" ", ",").split(",") if s)
    return shop


@click.command("shopify-demo-store")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=0, show_default=True, help="Port (0 = a free port).")
@click.option("--products", default=500, show_default=True, help="Products in the catalog.")
@click.option("--seed", default=42, show_default=True, help="Catalog seed (same seed, same catalog).")
@click.option(
    "--plan",
    type=click.Choice(list(PLANS)),
    default="standard",
    show_default=True,
    help="Plan of the default shop: sets the cost bucket and restore rate.",
)
@click.option("--shop", "handle", default=None, help="Handle of the default shop (HANDLE.myshopify.com).")
@click.option("--access-token", default=None, help="Access token of the default app.")
@click.option("--scopes", default=None, help="Comma-separated scopes of the default app.")
@click.option(
    "--extra-shop",
    "extra_shops",
    multiple=True,
    help="Another app HANDLE:TOKEN[:scope,scope] (repeatable; a handle given twice is two apps on one shop).",
)
@click.option("--no-throttle", is_flag=True, help="Never answer THROTTLED (costs are still reported).")
@click.option(
    "--time-scale", default=1.0, show_default=True, help="Demo clock speed (bucket refill, token expiry)."
)
@click.option(
    "--token-lifetime", default=86_399.0, show_default=True, help="Client-credentials token lifetime (s)."
)
@click.option("--latency-ms", default=0.0, help="Added latency per GraphQL request.")
@click.option("--jitter-ms", default=0.0, help="Latency jitter (+/-).")
@click.option("--error-rate", default=0.0, help="Share of requests answered 5xx with an HTML body.")
@click.option("--drop-rate", default=0.0, help="Share of requests whose connection is dropped.")
@click.option("--rate-429", default=0.0, help="Share of requests answered 429 with Retry-After.")
@click.option("--internal-error-rate", default=0.0, help="Share answered 200 with INTERNAL_SERVER_ERROR.")
@click.option("--timeout-rate", default=0.0, help="Share answered 504 after --timeout-ms.")
@click.option("--malformed-rate", default=0.0, help="Share of products served malformed.")
@click.option(
    "--paging-changes/--no-paging-changes", default=False, help="Churn the catalog while clients page."
)
@click.option(
    "--config-json", default=None, help="Full DemoStoreConfig as JSON (applied before other options)."
)
def demo_store_command(host: str, port: int, products: int, seed: int, plan: str, handle: str | None,
                       access_token: str | None, scopes: str | None, extra_shops: tuple[str, ...], no_throttle: bool,
                       time_scale: float, token_lifetime: float, latency_ms: float, jitter_ms: float,
                       error_rate: float, drop_rate: float, rate_429: float, internal_error_rate: float,
                       timeout_rate: float, malformed_rate: float, paging_changes: bool,
                       config_json: str | None) -> None:  # fmt: skip
    """Run a local stand-in for the Shopify Admin GraphQL API until interrupted."""
    ctx = click.get_current_context()
    explicit = {k for k in ctx.params if ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
    try:
        cfg = DemoStoreConfig.from_dict(json.loads(config_json)) if config_json else DemoStoreConfig()
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--config-json") from None
    for key, value in (("host", host), ("port", port), ("products", products), ("seed", seed),
                       ("time_scale", time_scale), ("token_lifetime_s", token_lifetime)):  # fmt: skip
        option = "token_lifetime" if key == "token_lifetime_s" else key
        if option in explicit or not config_json:
            setattr(cfg, key, value)
    if no_throttle:
        cfg.throttle = False
    first = cfg.shops[0]
    if "plan" in explicit or not config_json:
        first.plan = plan
    if handle:
        first.handle = handle
    if access_token:
        first.access_token = access_token
    if scopes is not None:
        first.scopes = tuple(s for s in scopes.replace(" ", ",").split(",") if s)
    cfg.shops.extend(_shop_option(s) for s in extra_shops)
    values = {"latency_ms": latency_ms, "jitter_ms": jitter_ms, "error_rate": error_rate, "drop_rate": drop_rate,
              "rate_429": rate_429, "internal_error_rate": internal_error_rate, "timeout_rate": timeout_rate,
              "malformed_rate": malformed_rate}  # fmt: skip
    changes: dict = {k: v for k, v in values.items() if k in explicit}
    if "paging_changes" in explicit:
        changes["paging_changes"] = paging_changes
    cfg.faults = faults_from_dict(changes, cfg.faults)
    try:
        cfg.validate()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    run(cfg)


def run(cfg: DemoStoreConfig) -> None:
    """Start the server, print the readiness lines, serve until SIGTERM/SIGINT."""
    # imported here: every ``hub`` command loads this module, and GraphQL is only needed to serve
    from claudery_shopify.demo_store.server import DemoStoreServer

    server = DemoStoreServer(cfg)
    server.freeze_catalogs()
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    first = cfg.shops[0]
    for line in (f"base_url={server.base_url}", f"shop={first.handle}", f"shop_url={server.shop_url()}",
                 f"access_token={first.access_token}", f"client_id={first.client_id}",
                 f"client_secret={first.client_secret}", f"products={cfg.products}", "ready"):  # fmt: skip
        click.echo(line)
    sys.stdout.flush()
    while not stop.wait(0.5):  # a timed wait keeps signal handlers running promptly
        pass
    server.stop()
