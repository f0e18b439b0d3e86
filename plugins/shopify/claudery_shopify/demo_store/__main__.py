"""``python -m claudery_shopify.demo_store``: same as ``hub shopify-demo-store``."""

from claudery_shopify.demo_store.cli import demo_store_command

if __name__ == "__main__":
    demo_store_command(prog_name="python -m claudery_shopify.demo_store")
