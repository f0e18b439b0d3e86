"""Helpers for the widget tests: a site with a small catalog written through the sync engine's own upserts."""

from __future__ import annotations

from hub.contract import Brand as BrandRecord
from hub.contract import Category as CategoryRecord
from hub.contract import Product as ProductRecord
from hub.extensions import db
from hub.models import Site, WidgetSettings
from hub.models.base import utcnow
from hub.sync import ingest
from hub.views.auth import create_user

STORE_INFO = {"name": "Jar & Linen", "domain": "jar-linen.example", "secure_url": "https://jar-linen.example",
              "currency": "EUR"}  # fmt: skip


def make_site(email: str = "widget@example.com", store_info: dict | None = None) -> Site:
    """A user and a site with store info as a successful connection test leaves it (call in an app context)."""
    user = create_user(email, "correct horse battery")
    site = Site(owner_id=user.id, name="Jar shop", platform="toy", store_info=store_info or dict(STORE_INFO))
    db.session.add(site)
    db.session.commit()
    return site


def product(pid: int, name: str, **fields) -> ProductRecord:
    """A product record as a plugin returns it."""
    return ProductRecord(id=str(pid), name=name, **fields)


def add_catalog(
    site_id: int, products: list[ProductRecord], brands=(), categories=(), run_id: int = 1
) -> None:
    """Store taxonomy then products exactly as a sync run does (the search index follows by triggers)."""
    ingest_taxonomy(site_id, brands, categories)
    ingest.ingest_products(db.session, site_id, run_id, products, utcnow())
    db.session.commit()


def ingest_taxonomy(site_id: int, brands=(), categories=()) -> None:
    """Replace the site's brands and categories (``(id, name)`` pairs)."""
    ingest.replace_taxonomy(
        db.session,
        site_id,
        [CategoryRecord(id=str(cid), name=name) for cid, name in categories],
        [BrandRecord(id=str(bid), name=name) for bid, name in brands],
    )
    db.session.commit()


def widget_for(site: Site, **values) -> WidgetSettings:
    """The site's widget settings with ``values`` applied and committed."""
    from hub.widget.settings import settings_for

    settings = settings_for(site)
    for key, value in values.items():
        setattr(settings, key, value)
    db.session.commit()
    return settings
