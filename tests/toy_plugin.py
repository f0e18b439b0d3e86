"""A toy platform plugin registered by tests: proves the hub has no BigCommerce-specific code paths."""

from __future__ import annotations

import logging

from marshmallow import Schema, ValidationError, fields, pre_load

from hub.contract import (
    Capability,
    ConnectionResult,
    EmbedGuide,
    ErrorKind,
    PlatformInfo,
    PluginContext,
    ProductPage,
    StoreInfo,
    hookimpl,
)

GOOD_KEY = "toy-key-0123456789"


class ToyCredentials(Schema):
    shop = fields.String(required=True, metadata={"label": "Shop name", "help": "Your toy shop's name."})
    api_key = fields.String(
        required=True, metadata={"label": "Toy API key", "help": "From the toy admin.", "secret": True}
    )

    @pre_load
    def strip(self, data, **kwargs):
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


@hookimpl
def platform_info():
    return PlatformInfo(
        key="toy",
        display_name="Toy Platform",
        description="A platform for tests.",
        contract_version=2,
        capabilities=frozenset({Capability.INCREMENTAL}),
    )


@hookimpl
def fetch_products(platform, credentials, request, context):
    yield ProductPage(products=[], total=0)


@hookimpl
def credential_schema(platform):
    return ToyCredentials


@hookimpl
def normalize_credentials(platform, data):
    cleaned = ToyCredentials().load(data)
    if not cleaned["shop"].isalnum():
        raise ValidationError({"shop": ["Letters and digits only, e.g. myshop."]})
    return cleaned


@hookimpl
def embed_instructions(platform, position):
    return EmbedGuide(
        title="Install it on Toy",
        steps=["Toy admin → Scripts → paste."],
        image_hosts=["https://img.toy.example"],
    )


@hookimpl
def test_connection(platform, credentials, context: PluginContext):
    if credentials["api_key"] != GOOD_KEY:
        # A careless plugin: the hub's log redaction must still keep the key out of every record.
        logging.getLogger("toy").warning("toy rejected key %s", credentials["api_key"])
        return ConnectionResult(
            ok=False, message="Toy says the key is wrong: paste the key again.", error_kind=ErrorKind.AUTH
        )
    return ConnectionResult(
        ok=True, message="Toy shop reached.", store=StoreInfo(name=f"Toy {credentials['shop']}")
    )


@hookimpl
def admin_product_url(platform, credentials, product_id):
    # The hub must hand over the non-secret fields only: with a secret among them, no link.
    if "api_key" in credentials:
        return None
    return f"https://admin.toy.example/{credentials['shop']}/products/{product_id}/edit"
