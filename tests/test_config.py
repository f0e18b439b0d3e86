"""Configuration: production refuses insecure defaults; development generates and keeps its secrets."""

from __future__ import annotations

import pytest

from config import ConfigError, build_config, parse_encryption_keys
from tests.conftest import TEST_KEY


def test_production_refuses_default_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        build_config(
            tmp_path, {"HUB_ENV": "production", "HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "dev"}
        )


def test_production_refuses_missing_encryption_key_and_says_how(tmp_path, monkeypatch):
    monkeypatch.delenv("HUB_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(ConfigError, match="hub keys generate"):
        build_config(tmp_path, {"HUB_ENV": "production", "SECRET_KEY": "s" * 40})
    assert not (tmp_path / "dev-secrets.json").exists()


def test_development_generates_secrets_once(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("HUB_ENCRYPTION_KEYS", raising=False)
    first = build_config(tmp_path)
    second = build_config(tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 32
    assert first["HUB_ENCRYPTION_KEY_LIST"] == second["HUB_ENCRYPTION_KEY_LIST"]
    assert oct((tmp_path / "dev-secrets.json").stat().st_mode)[-3:] == "600"


def test_bad_encryption_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match="#2"):
        parse_encryption_keys(f"{TEST_KEY},not-a-key")


def test_postgres_url_gets_the_psycopg_driver(tmp_path):
    cfg = build_config(
        tmp_path, {"DATABASE_URL": "postgres://u@h/db", "HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "x"}
    )
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_an_unknown_hub_env_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="HUB_ENV='prod' is not one of development, production"):
        build_config(tmp_path, {"HUB_ENV": "prod", "HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "x"})


def test_settings_are_parsed_to_their_default_type(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_SYNC_RETRY_SECONDS", "2.5")
    cfg = build_config(tmp_path, {"HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "x"})
    assert cfg["HUB_SYNC_RETRY_SECONDS"] == 2.5
    monkeypatch.setenv("HUB_SYNC_RETRY_SECONDS", "soon")
    with pytest.raises(ConfigError, match="HUB_SYNC_RETRY_SECONDS must be a number"):
        build_config(tmp_path, {"HUB_ENCRYPTION_KEYS": TEST_KEY, "SECRET_KEY": "x"})
