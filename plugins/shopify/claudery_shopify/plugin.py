"""Hook implementations of the Shopify plugin (entry point ``claudery_shopify.plugin``).

For now only the host hook ``register_commands`` (``hub shopify-demo-store``); the platform hooks
(credentials, connection test, sync, ``demo_store``) come with the plugin itself.
"""

from __future__ import annotations

import click

from hub.contract import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``hub shopify-demo-store`` (the local Shopify Admin GraphQL stand-in)."""
    from claudery_shopify.demo_store.cli import demo_store_command

    cli.add_command(demo_store_command)
