"""The synced catalog: products with queryable variants, images and custom fields; categories; brands.

Platform ids are strings (some platforms use ``gid://...`` global ids); rows are keyed on (site, platform id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

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
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: the last run that saw this product (a full walk archives the ones it did not see)
    last_seen_run_id: Mapped[int | None] = mapped_column(Integer)
    #: set when the platform proved the product gone; never deleted
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProductVariant(db.Model):
    """A purchasable variant."""

    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(255), index=True)
    price: Mapped[str | None] = mapped_column(String(40))
    sale_price: Mapped[str | None] = mapped_column(String(40))
    inventory_level: Mapped[int | None] = mapped_column(Integer)
    in_stock: Mapped[bool | None] = mapped_column(Boolean)
    purchasable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    option_values: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    image_url: Mapped[str | None] = mapped_column(Text)


class ProductImage(db.Model):
    """A product image."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(Text)
    alt: Mapped[str | None] = mapped_column(Text)
    sizes: Mapped[dict[str, str] | None] = mapped_column(JSON)
    is_thumbnail: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ProductCustomField(db.Model):
    """A merchant-defined name/value pair."""

    __tablename__ = "product_custom_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)


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
