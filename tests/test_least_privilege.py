"""Point 11 of issue 13: the warning convention for tokens with more scopes than the hub needs."""

from __future__ import annotations

from hub.least_privilege import PREFIX, excess_scope_warning

NEEDED = ["read_products", "read_inventory"]


def test_a_broader_token_gets_a_warning_naming_the_extra_and_the_read_only_scopes():
    warning = excess_scope_warning(
        ["read_products", "write_products", "read_inventory", "write_orders"], NEEDED
    )
    assert warning is not None and warning.startswith(PREFIX)
    assert "write_orders, write_products" in warning
    assert warning.endswith("read-only scopes instead: read_inventory, read_products.")


def test_exactly_the_needed_scopes_or_fewer_get_none():
    assert excess_scope_warning(["read_products", "read_inventory"], NEEDED) is None
    assert excess_scope_warning(["read_products", " ", ""], NEEDED) is None
