"""The synced catalog: products (with their variants, images and custom fields); categories; brands.

Platform ids are strings (some platforms use ``gid://...`` global ids); rows are keyed on (site, platform id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select, true
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.base import UTCDateTime


class Product(db.Model):
    """A product of a site's store, as of its last sync."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("site_id", "platform_id", name="uq_products_site_platform_id"),
        Index("ix_products_site_archived", "site_id", "archived_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[str | None] = mapped_column(String(40))
    sale_price: Mapped[str | None] = mapped_column(String(40))
    is_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    #: computed by the plugin: False when the product cannot be bought at all
    purchasable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    #: computed by the plugin: None when stock is not tracked (counts as available)
    in_stock: Mapped[bool | None] = mapped_column(Boolean)
    inventory_level: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
    url_path: Mapped[str | None] = mapped_column(Text)
    handle: Mapped[str | None] = mapped_column(String(255))
    #: the main brand (searched and shown); ``brand_ids`` holds every brand, main first
    brand_id: Mapped[str | None] = mapped_column(String(255))
    brand_ids: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    category_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    date_created: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_modified: Mapped[datetime | None] = mapped_column(UTCDateTime())
    variant_count: Mapped[int] = mapped_column(Integer, default=0)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    #: hash of everything fetched; an unchanged product is not rewritten
    content_hash: Mapped[str] = mapped_column(String(64))
    first_synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the last run that saw this product (a full walk archives the ones it did not see)
    last_seen_run_id: Mapped[int | None] = mapped_column(Integer)
    #: set when the platform proved the product gone; never deleted
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: the bulky part (children and raw payload), one row beside this one: see :class:`ProductPayload`
    payload: Mapped[ProductPayload | None] = relationship(
        back_populates="product", cascade="all, delete-orphan", passive_deletes=True
    )
    variants = association_proxy("payload", "variants")
    images = association_proxy("payload", "images")
    custom_fields = association_proxy("payload", "custom_fields")
    raw = association_proxy("payload", "raw")


class ProductPayload(db.Model):
    """A product's variants, images and custom fields, and the platform's raw record, as JSON.

    Kept beside the product row rather than in it: these ~10 KB would make every product row span
    several overflow pages, so that marking an unchanged product seen, or reading the columns after
    them, rewrote or walked all of it. Children are JSON lists of objects with the contract's field
    names (``{"id", "sku", "price", ...}``), always read with their product; variant SKUs are also
    indexed in :class:`ProductVariantSku`.
    """

    __tablename__ = "product_payloads"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    images: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    custom_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    product: Mapped[Product] = relationship(back_populates="payload")


class ProductVariantSku(db.Model):
    """A variant's SKU, for finding a product by any of its variants' SKUs (the variants themselves are
    stored with their product, in ``Product.variants``).

    One narrow row per variant that has a SKU, keyed by its product and its position in that product's
    list, so it is written and deleted with the product, and looked up by the ``sku`` index.
    """

    __tablename__ = "product_variant_skus"
    __table_args__ = (Index("ix_product_variant_skus_sku", "sku"), {"sqlite_with_rowid": False})

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(255))


class Category(db.Model):
    """A category of a site's store."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("site_id", "platform_id", name="uq_categories_site_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(255))
    url_path: Mapped[str | None] = mapped_column(Text)
    is_visible: Mapped[bool] = mapped_column(Boolean, default=True)


class Brand(db.Model):
    """A brand of a site's store."""

    __tablename__ = "brands"
    __table_args__ = (UniqueConstraint("site_id", "platform_id", name="uq_brands_site_platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    platform_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)


def products_with_variant_sku(site_id: int, sku: str) -> list[Product]:
    """The site's products (archived ones included) with a variant whose SKU is exactly ``sku``.

    One index lookup on ``product_variant_skus.sku``, then the products by primary key.
    """
    matches = (
        select(ProductVariantSku.product_id)
        .where(ProductVariantSku.sku == sku)
        .join(Product, Product.id == ProductVariantSku.product_id)
        .where(Product.site_id == site_id)
        .distinct()
    )
    return list(db.session.scalars(select(Product).where(Product.id.in_(matches)).order_by(Product.id)))
