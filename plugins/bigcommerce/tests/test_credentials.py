"""Normalization and validation of pasted credentials (no network)."""

from __future__ import annotations

import pytest
from claudery_bigcommerce import plugin
from claudery_bigcommerce.credentials import BigCommerceCredentialsSchema, normalize_credentials
from marshmallow import ValidationError

TOKEN = "1ab2c3d4e5f6g7h8i9j0k1l2m3n4o5p"


@pytest.mark.parametrize(
    "pasted",
    [
        "abc123",
        "ABC123",
        "  abc123\n",
        "store-abc123",
        "stores/abc123",
        '"abc123"',
        "https://api.bigcommerce.com/stores/abc123/v3/",
        "https://api.bigcommerce.com/stores/abc123/v2",
        "api.bigcommerce.com/stores/abc123/v3/catalog/products",
        "https://store-abc123.mybigcommerce.com/",
        "https://store-abc123.mybigcommerce.com/manage/dashboard",
        "store-abc123.mybigcommerce.com",
        "https://cdn11.bigcommerce.com/s-abc123/products/174/images/425/x.jpg?c=2",
        "\tHTTPS://STORE-ABC123.MYBIGCOMMERCE.COM/manage/settings/api-accounts \r\n",
    ],
)
def test_every_store_hash_form_becomes_the_hash(pasted: str) -> None:
    assert normalize_credentials({"store_hash": pasted, "access_token": TOKEN})["store_hash"] == "abc123"


@pytest.mark.parametrize(
    "pasted",
    [
        "https://example.com/shop",
        "my store",
        "abc_123",
        "a" * 17,
        "store-",
        "https://api.bigcommerce.com/v3/",
    ],
)
def test_a_value_that_cannot_be_a_store_hash_gets_a_field_error(pasted: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalize_credentials({"store_hash": pasted, "access_token": TOKEN})
    (message,) = err.value.messages["store_hash"]
    assert "Expected the store hash" in message and "/stores/" in message


@pytest.mark.parametrize(
    "pasted",
    [TOKEN, f"  {TOKEN}\n", f'"{TOKEN}"', f"X-Auth-Token: {TOKEN}", f"x-auth-token:{TOKEN}", f"'{TOKEN}'\n"],
)
def test_token_is_stripped_of_whitespace_quotes_and_header_name(pasted: str) -> None:
    assert normalize_credentials({"store_hash": "abc123", "access_token": pasted})["access_token"] == TOKEN


def test_bad_token_error_never_echoes_the_token() -> None:
    with pytest.raises(ValidationError) as err:
        normalize_credentials({"store_hash": "abc123", "access_token": "abc def\nghi"})
    assert "abc def" not in str(err.value.messages)
    assert "access_token" in err.value.messages


def test_optional_fields_empty_are_absent_and_strings_are_stripped() -> None:
    data = normalize_credentials(
        {
            "store_hash": "abc123",
            "access_token": TOKEN,
            "client_id": "  cid\n",
            "client_secret": " ",
            "account_uuid": "",
        }
    )
    assert data == {"store_hash": "abc123", "access_token": TOKEN, "client_id": "cid"}


def test_account_uuid_is_checked_and_canonicalized() -> None:
    data = normalize_credentials(
        {
            "store_hash": "abc123",
            "access_token": TOKEN,
            "account_uuid": " 8D4D492F-17A1-4D95-B396-E1C5720815A5 ",
        }
    )
    assert data["account_uuid"] == "8d4d492f-17a1-4d95-b396-e1c5720815a5"
    with pytest.raises(ValidationError) as err:
        normalize_credentials({"store_hash": "abc123", "access_token": TOKEN, "account_uuid": "not-a-uuid"})
    assert "UUID" in err.value.messages["account_uuid"][0]


def test_required_fields_missing() -> None:
    with pytest.raises(ValidationError) as err:
        normalize_credentials({"store_hash": "  ", "access_token": None})  # type: ignore[dict-item]
    assert set(err.value.messages) == {"store_hash", "access_token"}


def test_schema_metadata_describes_the_form() -> None:
    schema = BigCommerceCredentialsSchema()
    assert schema.fields["store_hash"].required and schema.fields["access_token"].required
    assert schema.fields["access_token"].metadata["secret"] is True
    assert schema.fields["client_secret"].metadata["secret"] is True
    assert schema.fields["store_hash"].metadata["secret"] is False
    for name, fld in schema.fields.items():
        assert fld.metadata["label"] and "help" in fld.metadata and "placeholder" in fld.metadata, name
    assert "only once" in schema.fields["access_token"].metadata["help"]
    assert "Store-level API accounts" in schema.fields["access_token"].metadata["help"]


def test_hooks_return_the_schema_and_normalize() -> None:
    assert plugin.credential_schema("bigcommerce") is BigCommerceCredentialsSchema
    assert plugin.normalize_credentials(
        "bigcommerce", {"store_hash": "store-abc123", "access_token": TOKEN}
    ) == {
        "store_hash": "abc123",
        "access_token": TOKEN,
    }


def test_admin_product_url_links_the_control_panel_edit_page():
    from claudery_bigcommerce.storefront import admin_product_url

    assert (
        admin_product_url("abc123", "843")
        == "https://store-abc123.mybigcommerce.com/manage/products/edit/843"
    )
    assert admin_product_url("abc123", "../x") is None
    assert admin_product_url(None, "843") is None
    assert admin_product_url("a/b", "843") is None


@pytest.mark.parametrize(
    ("pasted", "token"),
    [
        ("tokenab12cd34ef56gh78", "tokenab12cd34ef56gh78"),  # a token that starts with "token" keeps it
        ("bearer9x8y7z6w5v4u3t2s", "bearer9x8y7z6w5v4u3t2s"),
        ("Bearer 9x8y7z6w5v4u3t2s", "9x8y7z6w5v4u3t2s"),
        ("X-Auth-Token: tokenab12cd34", "tokenab12cd34"),
        ("access_token=bearer12345678", "bearer12345678"),
    ],
)
def test_a_label_is_stripped_only_before_a_separator(pasted, token):
    from claudery_bigcommerce.credentials import normalize_credentials

    assert normalize_credentials({"store_hash": "abc123", "access_token": pasted})["access_token"] == token
