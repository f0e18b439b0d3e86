"""The `hub` command line, run in-process against the test database."""

from __future__ import annotations

import json

import orjson
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from hub.cli import _register_hub_commands, cli
from hub.extensions import db
from hub.models import Product, Site, User
from tests.toy_plugin import GOOD_KEY

_register_hub_commands()


@pytest.fixture
def run(app):
    runner = CliRunner()

    def invoke(args, input=None):
        return runner.invoke(cli, args, input=input, obj=ScriptInfo(create_app=lambda: app))

    return invoke


def test_users_create_reads_password_from_stdin(run, app):
    result = run(["users", "create", " Shop@Example.com "], input="a long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "shop@example.com"))
        assert user.check_password("a long password") and user.password_hash.startswith("$argon2id$")
    assert run(["users", "create", "shop@example.com"], input="another password\n").exit_code == 1
    assert run(["users", "create", "x@example.com"], input="short\n").exit_code == 1


def test_sites_connect_from_json_stdin_and_test(run, app):
    run(["users", "create", "op@example.com"], input="a long password\n")
    creds = {"shop": "  acme \n", "api_key": f"\t{GOOD_KEY} "}
    result = run(
        ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "Acme"],
        input=json.dumps(creds),
    )
    assert result.exit_code == 0, result.output
    site_id = int(result.stdout.strip().splitlines()[-1])
    assert GOOD_KEY not in result.output
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.credentials_public == {"shop": "acme"} and site.connection_status == "connected"
    ok = run(["sites", "test", str(site_id)])
    assert ok.exit_code == 0 and "Toy shop reached." in ok.output

    bad = run(
        ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "Bad"],
        input=json.dumps({"shop": "acme", "api_key": "wrong-key-12345"}),
    )
    bad_id = int(bad.stdout.strip().splitlines()[-1])
    failed = run(["sites", "test", str(bad_id)])
    assert failed.exit_code == 1 and "paste the key again" in failed.output


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("not json", "not JSON"),
        ('["a"]', "JSON object"),
        ('{"shop": "bad shop!", "api_key": "k"}', "invalid"),
        ('{"nope": "x"}', "invalid"),
    ],
)
def test_sites_connect_rejects_bad_input(run, stdin, message):
    run(["users", "create", "op@example.com"], input="a long password\n")
    result = run(
        ["sites", "connect", "--owner", "op@example.com", "--platform", "toy", "--name", "X"], input=stdin
    )
    assert result.exit_code != 0 and message in result.output


def test_plugins_list(run):
    result = run(["plugins", "list"])
    assert result.exit_code == 0 and "toy" in result.output


def test_products_export_is_json_lines_with_archived_marked(run, app):
    from datetime import UTC, datetime

    from hub.contract import CustomField, Image, Variant
    from hub.contract import Product as Record
    from hub.sync.ingest import ingest_products

    with app.app_context():
        user = User(email="e@example.com")
        user.set_password("a long password")
        db.session.add(user)
        db.session.flush()
        site = Site(owner_id=user.id, name="S")
        db.session.add(site)
        db.session.flush()
        now = datetime.now(UTC)
        records = [
            Record(
                id="1",
                name="Mug",
                sku="M-1",
                price="9.50",
                variants=[Variant(id="10", sku="M-1-R", price="9.50")],
                images=[Image(id="100", url="https://img/1.jpg")],
                custom_fields=[CustomField(name="Material", value="Clay")],
                category_ids=["5"],
                brand_ids=["7"],
            ),
            Record(id="2", name="Gone", price="1"),
        ]
        ingest_products(db.session, site.id, 0, records, now)
        db.session.execute(
            Product.__table__.update().where(Product.platform_id == "2").values(archived_at=now)
        )
        db.session.commit()
        site_id = site.id
    result = run(["products", "export", str(site_id)])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert [line["id"] for line in lines] == ["1", "2"]
    mug = lines[0]
    assert mug["variants"] == [{"id": "10", "sku": "M-1-R", "price": "9.50"}]
    assert mug["images"] == [{"id": "100", "url": "https://img/1.jpg"}]
    assert mug["custom_fields"] == [{"name": "Material", "value": "Clay"}]
    assert mug["categories"] == ["5"] and mug["brand_id"] == "7" and mug["archived"] is False
    assert lines[1]["archived"] is True


def test_keys_rotate_reencrypts_with_the_newest_key(run, app):
    from cryptography.fernet import Fernet

    from hub import encryption

    with app.app_context():
        user = User(email="k@example.com")
        user.set_password("a long password")
        db.session.add(user)
        db.session.flush()
        site = Site(owner_id=user.id, name="S", credentials_secret=encryption.encrypt({"api_key": GOOD_KEY}))
        db.session.add(site)
        db.session.commit()
        site_id = site.id
    new_key = Fernet.generate_key().decode()
    old = app.config["HUB_ENCRYPTION_KEY_LIST"]
    app.config["HUB_ENCRYPTION_KEY_LIST"] = [new_key, *old]
    assert run(["keys", "rotate"]).exit_code == 0
    app.config["HUB_ENCRYPTION_KEY_LIST"] = [new_key]  # the old key is gone: values must still decrypt
    with app.app_context():
        assert encryption.decrypt(db.session.get(Site, site_id).credentials_secret) == {"api_key": GOOD_KEY}
