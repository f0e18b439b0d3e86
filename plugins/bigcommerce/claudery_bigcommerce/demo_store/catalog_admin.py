"""The contract's ``CatalogAdmin`` over an in-process demo store: the conformance suite changes the catalog."""

from __future__ import annotations

from claudery_bigcommerce.demo_store.server import DemoStoreServer


class DemoCatalogAdmin:
    """Create, rename and delete products of the demo store's first store (ids as the contract's strings)."""

    def __init__(self, server: DemoStoreServer) -> None:
        self.catalog = server.app.stores[server.store_hash].catalog

    def product_ids(self) -> list[str]:
        """Every product id the store has now."""
        return [str(pid) for pid in self.catalog.ids]

    def create_product(self, name: str) -> str:
        """Create a product; its id."""
        return str(self.catalog.create({"name": name}))

    def update_product(self, product_id: str, name: str) -> None:
        """Rename a product (its date_modified moves forward)."""
        self.catalog.update(int(product_id), {"name": name})

    def delete_product(self, product_id: str) -> None:
        """Delete a product."""
        self.catalog.delete(int(product_id))
