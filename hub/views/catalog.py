"""Products page: the synced catalog, searchable and paged."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required
from sqlalchemy import func, or_, select

from hub.extensions import db
from hub.models import Brand, Product
from hub.views.paging import page_of
from hub.views.sites import own_site

bp = Blueprint("catalog", __name__)
PER_PAGE = 50
MAX_QUERY = 200


@bp.route("/sites/<int:site_id>/products")
@login_required
def products(site_id: int):
    """Search by name or SKU; archived products shown only on request."""
    site = own_site(site_id)
    q = (request.args.get("q") or "").strip()
    too_long = len(q) > MAX_QUERY
    if too_long:
        q = ""  # said on the page, not silently cut
    show_archived = request.args.get("archived") == "1"
    where = [Product.site_id == site.id]
    if not show_archived:
        where.append(Product.archived_at.is_(None))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        where.append(
            or_(
                Product.name.ilike(like, escape="\\"),
                Product.sku.ilike(like, escape="\\"),
                Product.platform_id == q,
            )
        )
    total = db.session.scalar(select(func.count()).select_from(Product).where(*where))
    page_no, pages, offset = page_of(total, PER_PAGE)
    rows = db.session.execute(
        select(Product, Brand.name)
        .outerjoin(Brand, (Brand.site_id == Product.site_id) & (Brand.platform_id == Product.brand_id))
        .where(*where)
        .order_by(Product.name, Product.id)
        .offset(offset)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "sites/products.html",
        site=site,
        rows=rows,
        q=q,
        page=page_no,
        pages=pages,
        total=total,
        show_archived=show_archived,
        too_long=too_long,
        max_query=MAX_QUERY,
    ), (400 if too_long else 200)
