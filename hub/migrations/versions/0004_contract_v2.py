"""contract v2: neutral stock and images, brands and tags, run fencing, periodic full syncs

Revision ID: 0004
Revises: 0003

Products lose the stock columns named after one platform for two neutral columns each plugin computes
(``purchasable``, ``in_stock``); images become ``url``/``thumbnail_url``/``alt`` plus a size map. Existing
rows are not translated here (that would be platform logic in the hub): they are rewritten by a full sync.
The search index's triggers computed "in stock" from the old columns, so they are dropped and recreated here with the new rule (DDL frozen in this file, like 0003's). Runs get an ``epoch``
that fences every commit of the worker that owns them; sites get a periodic full sync.
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import hub.models.base  # noqa: F401  (custom column types)

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

INDEXED_COLUMNS = (
    "name, sku, description, is_visible, purchasable, in_stock, brand_id, category_ids, archived_at"
)
DESCRIPTION_CHARS = 4000

_SQLITE_IN_STOCK = "(p.purchasable AND COALESCE(p.in_stock, 1))"
_SQLITE_SELECT = f"""
SELECT p.id,
       CASE WHEN p.archived_at IS NULL THEN
         's' || p.site_id || 'x '
         || (CASE WHEN p.is_visible THEN 's' || p.site_id || 'xv ' ELSE '' END)
         || (CASE WHEN {_SQLITE_IN_STOCK} THEN 's' || p.site_id || 'xi ' ELSE '' END)
         || (CASE WHEN p.is_visible AND {_SQLITE_IN_STOCK} THEN 's' || p.site_id || 'xvi' ELSE '' END)
       ELSE '' END,
       p.name,
       COALESCE(p.sku, ''),
       COALESCE((SELECT b.name FROM brands b WHERE b.site_id = p.site_id AND b.platform_id = p.brand_id), ''),
       COALESCE((SELECT group_concat(c.name, ' ') FROM json_each(p.category_ids) j
                 JOIN categories c ON c.site_id = p.site_id AND c.platform_id = CAST(j.value AS TEXT)), ''),
       substr(COALESCE(p.description, ''), 1, {DESCRIPTION_CHARS})
FROM products p"""
_SQLITE_INSERT = (
    "INSERT INTO product_search(rowid, filters, name, sku, brand, categories, description)" + _SQLITE_SELECT
)


def _sqlite_reindex(where: str) -> str:
    return (
        f"DELETE FROM product_search WHERE rowid IN (SELECT p.id FROM products p WHERE {where});\n"
        f"  {_SQLITE_INSERT} WHERE {where};"
    )


_BRAND_MATCH = "p.site_id = {row}.site_id AND p.brand_id = {row}.platform_id"
_CATEGORY_MATCH = (
    "p.site_id = {row}.site_id AND EXISTS (SELECT 1 FROM json_each(p.category_ids) j "
    "WHERE CAST(j.value AS TEXT) = {row}.platform_id)"
)
_SQLITE_TRIGGERS = ("ai", "au", "ad", "brand_ai", "brand_au", "brand_ad", "category_ai", "category_au", "category_ad")
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS product_search_{name}" for name in _SQLITE_TRIGGERS]
SQLITE_CREATE = [
    f"CREATE TRIGGER product_search_ai AFTER INSERT ON products BEGIN\n"
    f"  {_SQLITE_INSERT} WHERE p.id = NEW.id;\nEND",
    f"CREATE TRIGGER product_search_au AFTER UPDATE OF {INDEXED_COLUMNS} ON products BEGIN\n"
    f"  DELETE FROM product_search WHERE rowid = OLD.id;\n  {_SQLITE_INSERT} WHERE p.id = NEW.id;\nEND",
    "CREATE TRIGGER product_search_ad AFTER DELETE ON products BEGIN\n"
    "  DELETE FROM product_search WHERE rowid = OLD.id;\nEND",
    f"CREATE TRIGGER product_search_brand_ai AFTER INSERT ON brands BEGIN\n"
    f"  {_sqlite_reindex(_BRAND_MATCH.format(row='NEW'))}\nEND",
    f"CREATE TRIGGER product_search_brand_au AFTER UPDATE OF name ON brands "
    f"WHEN OLD.name IS NOT NEW.name BEGIN\n  {_sqlite_reindex(_BRAND_MATCH.format(row='NEW'))}\nEND",
    f"CREATE TRIGGER product_search_brand_ad AFTER DELETE ON brands BEGIN\n"
    f"  {_sqlite_reindex(_BRAND_MATCH.format(row='OLD'))}\nEND",
    f"CREATE TRIGGER product_search_category_ai AFTER INSERT ON categories BEGIN\n"
    f"  {_sqlite_reindex(_CATEGORY_MATCH.format(row='NEW'))}\nEND",
    f"CREATE TRIGGER product_search_category_au AFTER UPDATE OF name ON categories "
    f"WHEN OLD.name IS NOT NEW.name BEGIN\n  {_sqlite_reindex(_CATEGORY_MATCH.format(row='NEW'))}\nEND",
    f"CREATE TRIGGER product_search_category_ad AFTER DELETE ON categories BEGIN\n"
    f"  {_sqlite_reindex(_CATEGORY_MATCH.format(row='OLD'))}\nEND",
    "DELETE FROM product_search",
    _SQLITE_INSERT,
]

PG_DROP = ["DROP TRIGGER IF EXISTS product_search_products ON products"]
PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION product_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM product_search WHERE product_id = ANY(ids);
        INSERT INTO product_search (product_id, site_id, live, visible, in_stock, document)
        SELECT p.id, p.site_id, p.archived_at IS NULL, p.is_visible,
               p.purchasable AND COALESCE(p.in_stock, TRUE),
               setweight(to_tsvector('english', product_search_fold(p.name)), 'A')
                 || setweight(to_tsvector('simple', COALESCE(p.sku, '')), 'A')
                 || setweight(to_tsvector('english', product_search_fold(b.name)), 'B')
                 || setweight(to_tsvector('english', product_search_fold((
                      SELECT string_agg(c.name, ' ') FROM categories c
                      WHERE c.site_id = p.site_id
                        AND c.platform_id IN (SELECT jsonb_array_elements_text(p.category_ids::jsonb))
                    ))), 'C')
                 || setweight(to_tsvector('english', product_search_fold(regexp_replace(
                      left(COALESCE(p.description, ''), {DESCRIPTION_CHARS}), '<[^>]*>', ' ', 'g'))), 'D')
        FROM products p
        LEFT JOIN brands b ON b.site_id = p.site_id AND b.platform_id = p.brand_id
        WHERE p.id = ANY(ids);
    $$""",
    f"""CREATE TRIGGER product_search_products AFTER INSERT OR UPDATE OF {INDEXED_COLUMNS}
        ON products FOR EACH ROW EXECUTE FUNCTION product_search_product_trigger()""",
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
]


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_DROP if postgres else SQLITE_DROP:
        op.execute(statement)

    op.add_column('products', sa.Column('purchasable', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('products', sa.Column('in_stock', sa.Boolean(), nullable=True))
    op.add_column('products', sa.Column('url', sa.Text(), nullable=True))
    op.add_column('products', sa.Column('handle', sa.String(length=255), nullable=True))
    op.add_column('products', sa.Column('brand_ids', sa.JSON(), nullable=True))
    op.add_column('products', sa.Column('tags', sa.JSON(), nullable=True))
    # The hub does not translate a platform's words (stock states, image sizes): stored products are marked
    # for a rewrite instead (an empty content hash never matches), and every connected site gets a full sync
    # at the watchdog's next pass, so each plugin's own parser fills the neutral columns. Until then stock is
    # unknown (counted as available) and images come from each product's stored thumbnail.
    op.execute("UPDATE products SET content_hash = ''")
    op.execute("ALTER TABLE products DROP COLUMN availability")
    op.execute("ALTER TABLE products DROP COLUMN inventory_tracking")

    op.add_column('product_variants', sa.Column('in_stock', sa.Boolean(), nullable=True))
    op.add_column('product_variants', sa.Column('purchasable', sa.Boolean(), nullable=False, server_default=sa.true()))

    op.add_column('product_images', sa.Column('url', sa.Text(), nullable=True))
    op.add_column('product_images', sa.Column('thumbnail_url', sa.Text(), nullable=True))
    op.add_column('product_images', sa.Column('alt', sa.Text(), nullable=True))
    op.add_column('product_images', sa.Column('sizes', sa.JSON(), nullable=True))
    op.execute("DELETE FROM product_images")  # platform-shaped rows; the full sync writes neutral ones
    for column in ('url_standard', 'url_thumbnail', 'url_zoom', 'url_tiny', 'description'):
        op.execute(f"ALTER TABLE product_images DROP COLUMN {column}")

    op.add_column('sync_runs', sa.Column('epoch', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('sync_runs', sa.Column('notice', sa.Text(), nullable=True))
    op.add_column('sites', sa.Column('full_sync_interval_minutes', sa.Integer(), nullable=False, server_default='10080'))
    op.add_column('sites', sa.Column('next_full_sync_at', hub.models.base.UTCDateTime(timezone=True), nullable=True))
    sites = sa.table('sites', sa.column('next_full_sync_at', hub.models.base.UTCDateTime(timezone=True)))
    op.execute(sites.update().values(next_full_sync_at=datetime.now(UTC)))  # due at once: see above

    for statement in PG_CREATE if postgres else SQLITE_CREATE:
        op.execute(statement)


def downgrade():
    raise NotImplementedError("contract v2 changed the stored vocabulary; restore a backup to go back")
