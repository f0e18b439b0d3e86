"""``hub demo-store`` / ``python -m claudery_bigcommerce.demo_store``: run a demo store in the foreground."""

from __future__ import annotations

import json
import signal
import sys
import threading

import click

from claudery_bigcommerce.demo_store.config import DemoStoreConfig, StoreConfig, faults_from_dict
from claudery_bigcommerce.demo_store.server import DemoStoreServer


def _store_option(value: str) -> StoreConfig:
    """Parse ``HASH:TOKEN[:scope,scope...]``."""
    parts = value.split(":", 2)
    if len(parts) < 2:
        raise click.BadParameter(f"expected HASH:TOKEN[:scope,scope], got {value!r}")
    store = StoreConfig(hash=parts[0], access_token=parts[1])
    if len(parts) == 3:
        store.scopes = tuple(s for s in parts[2].replace(" ", ",").split(",") if s)
    return store


@click.command("demo-store")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=0, show_default=True, help="Port (0 = a free port).")
@click.option("--products", default=500, show_default=True, help="Products in the catalog.")
@click.option("--seed", default=42, show_default=True, help="Catalog seed (same seed, same catalog).")
@click.option("--store-hash", default=None, help="Hash of the default store.")
@click.option("--access-token", default=None, help="Access token of the default store.")
@click.option("--scopes", default=None, help="Comma-separated scopes of the default account.")
@click.option(
    "--store", "extra_stores", multiple=True, help="Extra account HASH:TOKEN[:scope,scope] (repeatable)."
)
@click.option(
    "--quota", default=150, show_default=True, help="Requests per window per store (0 = unlimited)."
)
@click.option("--window-ms", default=30_000, show_default=True, help="Rate-limit window.")
@click.option("--latency-ms", default=0.0, help="Added latency per API request.")
@click.option("--jitter-ms", default=0.0, help="Latency jitter (+/-).")
@click.option("--error-rate", default=0.0, help="Share of requests answered 500/502/503/504.")
@click.option("--drop-rate", default=0.0, help="Share of requests whose connection is dropped.")
@click.option("--slow-rate", default=0.0, help="Share of responses sent slowly.")
@click.option(
    "--bare-429-rate", default=0.0, help="Share of requests answered 429 without rate-limit headers."
)
@click.option("--malformed-rate", default=0.0, help="Share of products served malformed.")
@click.option(
    "--hostile-rate", default=0.0, help="Share of products served with hostile values (NUL, 1e26 price, ...)."
)
@click.option(
    "--paging-changes/--no-paging-changes", default=False, help="Churn the catalog while clients page."
)
@click.option(
    "--config-json", default=None, help="Full DemoStoreConfig as JSON (applied before other options)."
)
def demo_store_command(host: str, port: int, products: int, seed: int, store_hash: str | None,
                       access_token: str | None, scopes: str | None, extra_stores: tuple[str, ...], quota: int,
                       window_ms: int, latency_ms: float, jitter_ms: float, error_rate: float, drop_rate: float,
                       slow_rate: float, bare_429_rate: float, malformed_rate: float, hostile_rate: float,
                       paging_changes: bool, config_json: str | None) -> None:  # fmt: skip
    """Run a local stand-in for the BigCommerce store API until interrupted."""
    ctx = click.get_current_context()
    explicit = {k for k in ctx.params if ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
    cfg = DemoStoreConfig.from_dict(json.loads(config_json)) if config_json else DemoStoreConfig()
    for key, value in (("host", host), ("port", port), ("products", products), ("seed", seed), ("quota", quota),
                       ("window_ms", window_ms)):  # fmt: skip
        if key in explicit or not config_json:
            setattr(cfg, key, value)
    first = cfg.stores[0]
    if store_hash:
        first.hash = store_hash
    if access_token:
        first.access_token = access_token
    if scopes is not None:
        first.scopes = tuple(s for s in scopes.replace(" ", ",").split(",") if s)
    cfg.stores.extend(_store_option(s) for s in extra_stores)
    fault_opts = {"latency_ms": latency_ms, "jitter_ms": jitter_ms, "error_rate": error_rate, "drop_rate": drop_rate,
                  "slow_rate": slow_rate, "bare_429_rate": bare_429_rate, "malformed_rate": malformed_rate,
                  "hostile_rate": hostile_rate}  # fmt: skip
    changes = {k: v for k, v in fault_opts.items() if k in explicit}
    if "paging_changes" in explicit:
        changes["paging_changes"] = paging_changes
    cfg.faults = faults_from_dict(changes, cfg.faults)
    run(cfg)


def run(cfg: DemoStoreConfig) -> None:
    """Start the server, print the readiness lines, serve until SIGTERM/SIGINT."""
    server = DemoStoreServer(cfg).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for line in (f"base_url={server.base_url}", f"store_hash={server.store_hash}",
                 f"access_token={server.access_token}", f"products={cfg.products}", "ready"):  # fmt: skip
        click.echo(line)
    sys.stdout.flush()
    while not stop.wait(0.5):  # a timed wait keeps signal handlers running promptly
        pass
    server.stop()
