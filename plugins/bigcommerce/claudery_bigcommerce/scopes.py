"""BigCommerce OAuth scopes the plugin needs, as the control panel names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """One permission of a store-level API account."""

    ui_name: str  #: the row in the control panel's API-account form
    level: str  #: the minimum setting to choose in that row
    scope: str  #: the OAuth scope string

    @property
    def label(self) -> str:
        """How the merchant finds it: ``Products: read-only``."""
        return f"{self.ui_name}: {self.level}"


#: required: the catalog (products, variants, images, categories, brands)
PRODUCTS_READ = Scope("Products", "read-only", "store_v2_products_read_only")
#: optional: store name, domain, currency (``/v2/store``)
INFORMATION_READ = Scope("Information & Settings", "read-only", "store_v2_information_read_only")


def scope_for_path(path: str) -> Scope:
    """The scope an API path needs (the catalog by default: it is what a sync reads)."""
    if path.startswith("/v2/store") or path.startswith("/v2/time") or path.startswith("/v3/settings"):
        return INFORMATION_READ
    return PRODUCTS_READ
