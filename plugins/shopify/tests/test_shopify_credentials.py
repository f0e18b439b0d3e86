"""Credentials as merchants paste them: every shop form, a token or client credentials, the API version."""

from __future__ import annotations

import pytest
from claudery_shopify.credentials import extract_handle, normalize_credentials, uses_client_credentials
from claudery_shopify.settings import DEFAULT_API_VERSION
from marshmallow import ValidationError

TOKEN = "shpat_0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    "pasted",
    [
        "my-store",
        "My-Store",
        "my-store.myshopify.com",
        "My-Store.myshopify.com/",
        "  my-store.myshopify.com \n",
        "\tmy-store\n",
        "https://my-store.myshopify.com",
        "http://my-store.myshopify.com/admin",
        "https://my-store.myshopify.com/admin/products?x=1#top",
        "https://admin.shopify.com/store/my-store",
        "https://admin.shopify.com/store/my-store/products/123",
        "admin.shopify.com/store/my-store/",
        '"my-store.myshopify.com"',
    ],
)
def test_every_shop_form_normalizes_to_the_myshopify_domain(pasted: str) -> None:
    creds = normalize_credentials({"shop": pasted, "access_token": TOKEN})
    assert creds["shop"] == "my-store.myshopify.com"


@pytest.mark.parametrize(
    "pasted",
    [
        "https://www.brand.com",
        "brand.com",
        "www.brand.com/products/x",
        "my store",
        "-store",
        "https://admin.shopify.com/",
        "https://admin.shopify.com/store/",
        "my-store.myshopify.com.evil.example",
        "https://my_store!.myshopify.com",
    ],
)
def test_anything_but_a_myshopify_handle_is_refused_with_where_to_find_it(pasted: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_credentials({"shop": pasted, "access_token": TOKEN})
    assert set(caught.value.messages) == {"shop"}
    assert "Settings → Domains" in caught.value.messages["shop"][0]


def test_python_library_pitfalls_are_not_repeated() -> None:
    # shopify_python_api turns these into www.myshopify.com and admin.myshopify.com
    assert extract_handle("www.brand.com") is None
    assert extract_handle("admin.shopify.com/store/x") == "x"


def test_token_is_cleaned_and_the_version_defaults_to_the_pinned_one() -> None:
    creds = normalize_credentials(
        {"shop": "my-store", "access_token": f" X-Shopify-Access-Token: '{TOKEN}'\n"}
    )
    assert creds == {
        "shop": "my-store.myshopify.com",
        "access_token": TOKEN,
        "api_version": DEFAULT_API_VERSION,
    }
    assert DEFAULT_API_VERSION == "2026-10"
    assert not uses_client_credentials(creds)
    # any length and prefix: Shopify changed token lengths, and older apps have shpca_/shppa_ tokens
    assert normalize_credentials({"shop": "a", "access_token": "shppa_1"})["access_token"] == "shppa_1"


def test_the_api_secret_key_pasted_as_token_is_refused_without_echoing_it() -> None:
    secret = "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"
    with pytest.raises(ValidationError) as caught:
        normalize_credentials({"shop": "my-store", "access_token": secret})
    message = caught.value.messages["access_token"][0]
    assert "API secret key" in message and secret not in message


def test_client_id_and_secret_instead_of_a_token() -> None:
    creds = normalize_credentials(
        {
            "shop": "my-store",
            "client_id": " 3f1a9c0b ",
            "client_secret": "shpss_abc",
            "api_version": "2026-07",
        }
    )
    assert creds == {
        "shop": "my-store.myshopify.com",
        "client_id": "3f1a9c0b",
        "client_secret": "shpss_abc",
        "api_version": "2026-07",
    }
    assert uses_client_credentials(creds)
    assert normalize_credentials(creds) == creds  # stable when a merchant edits the site


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"shop": "my-store"}, "access_token"),
        ({"shop": "my-store", "client_id": "abc"}, "client_secret"),
        ({"shop": "my-store", "client_secret": "shpss_abc"}, "client_id"),
        ({"shop": "my-store", "access_token": "shpat_a b"}, "access_token"),
        ({"shop": "my-store", "access_token": TOKEN, "api_version": "2025-02"}, "api_version"),
        ({"shop": "my-store", "access_token": TOKEN, "api_version": "latest"}, "api_version"),
    ],
)
def test_incomplete_or_malformed_auth_is_reported_by_field(raw: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_credentials(raw)
    assert field in caught.value.messages
