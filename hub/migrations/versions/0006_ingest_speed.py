"""ingest speed: a product's children and raw record in one payload row beside it, variant SKUs indexed

Revision ID: 0006_ingest_speed
Revises: 0004

A sync wrote ~7 child rows per product (variants, images, custom fields, each with two or three indexes):
a third of the ingest's cost, for data that is always read with its product. They become JSON lists (the
contract's field names) in ``product_payloads``, one row per product, with the raw record that moves there
from ``products``: ~10 KB that made each product row span overflow pages, so that marking an unchanged
product seen rewrote all of it. Only what is looked up on its own stays a row: a variant's SKU, in a
narrow table keyed by (product, position in its list) with an index on the SKU. Existing rows are moved
over in SQL, in their stored order, then the child tables and ``products.raw`` are dropped.

SQLite's search-index triggers for a product insert or update (0004's) found its category names by
scanning ``json_each`` once per category of the site (the planner put the categories outside): the cost
of indexing a product grew with the store's taxonomy. They are recreated with the product's category ids
outside and each looked up by the (site, platform id) key; the indexed words are the same. The change
hash also changed (see ``hub.sync.ingest``): the first sync after this migration rewrites every product
once.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_ingest_speed'
down_revision = '0004'
branch_labels = None
depends_on = None


def _sqlite_bool(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} THEN json('true') ELSE json('false') END"


_SQLITE_MOVE = f"""INSERT INTO product_payloads (product_id, variants, images, custom_fields, raw)
SELECT p.id,
    (SELECT json_group_array(json_object(
        'id', v.platform_id, 'sku', v.sku, 'price', v.price, 'sale_price', v.sale_price,
        'inventory_level', v.inventory_level, 'in_stock', {_sqlite_bool('v.in_stock')},
        'purchasable', {_sqlite_bool('v.purchasable')},
        'option_values', COALESCE(json(v.option_values), json('[]')), 'image_url', v.image_url))
     FROM (SELECT * FROM product_variants WHERE product_id = p.id ORDER BY id) v),
    (SELECT json_group_array(json_object(
        'id', i.platform_id, 'url', i.url, 'thumbnail_url', i.thumbnail_url, 'alt', i.alt,
        'sizes', COALESCE(json(i.sizes), json('{{}}')), 'is_thumbnail', {_sqlite_bool('i.is_thumbnail')},
        'sort_order', i.sort_order))
     FROM (SELECT * FROM product_images WHERE product_id = p.id ORDER BY id) i),
    (SELECT json_group_array(json_object('name', f.name, 'value', f.value, 'id', f.platform_id))
     FROM (SELECT * FROM product_custom_fields WHERE product_id = p.id ORDER BY id) f),
    COALESCE(p.raw, '{{}}')
FROM products p"""

_PG_MOVE = """INSERT INTO product_payloads (product_id, variants, images, custom_fields, raw)
SELECT p.id,
    COALESCE((SELECT json_agg(json_build_object(
        'id', v.platform_id, 'sku', v.sku, 'price', v.price, 'sale_price', v.sale_price,
        'inventory_level', v.inventory_level, 'in_stock', v.in_stock, 'purchasable', v.purchasable,
        'option_values', COALESCE(v.option_values, '[]'::json), 'image_url', v.image_url) ORDER BY v.id)
     FROM product_variants v WHERE v.product_id = p.id), '[]'::json),
    COALESCE((SELECT json_agg(json_build_object(
        'id', i.platform_id, 'url', i.url, 'thumbnail_url', i.thumbnail_url, 'alt', i.alt,
        'sizes', COALESCE(i.sizes, '{}'::json), 'is_thumbnail', i.is_thumbnail,
        'sort_order', i.sort_order) ORDER BY i.id)
     FROM product_images i WHERE i.product_id = p.id), '[]'::json),
    COALESCE((SELECT json_agg(json_build_object('name', f.name, 'value', f.value, 'id', f.platform_id)
              ORDER BY f.id)
     FROM product_custom_fields f WHERE f.product_id = p.id), '[]'::json),
    COALESCE(p.raw, '{}'::json)
FROM products p"""

# 0004's index row for a product, with the category names found id by id (CROSS JOIN keeps json_each outside)
_SQLITE_IN_STOCK = "(p.purchasable AND COALESCE(p.in_stock, 1))"
_SQLITE_INSERT = f"""INSERT INTO product_search(rowid, filters, name, sku, brand, categories, description)
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
                 CROSS JOIN categories c ON c.site_id = p.site_id AND c.platform_id = CAST(j.value AS TEXT)), ''),
       substr(COALESCE(p.description, ''), 1, 4000)
FROM products p WHERE p.id = NEW.id;"""
_INDEXED_COLUMNS = "name, sku, description, is_visible, purchasable, in_stock, brand_id, category_ids, archived_at"
_SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP TRIGGER IF EXISTS product_search_au",
    f"CREATE TRIGGER product_search_ai AFTER INSERT ON products BEGIN\n  {_SQLITE_INSERT}\nEND",
    f"CREATE TRIGGER product_search_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON products BEGIN\n"
    f"  DELETE FROM product_search WHERE rowid = OLD.id;\n  {_SQLITE_INSERT}\nEND",
]

_SKUS = """INSERT INTO product_variant_skus (product_id, position, sku)
    SELECT product_id, position, sku FROM (
        SELECT product_id, sku, ROW_NUMBER() OVER (PARTITION BY product_id ORDER BY id) - 1 AS position
        FROM product_variants) numbered
    WHERE sku IS NOT NULL"""


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.create_table(
        'product_payloads',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('variants', sa.JSON(), nullable=False),
        sa.Column('images', sa.JSON(), nullable=False),
        sa.Column('custom_fields', sa.JSON(), nullable=False),
        sa.Column('raw', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id'),
    )
    op.create_table(
        'product_variant_skus',
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sku', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('product_id', 'position'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_product_variant_skus_sku', 'product_variant_skus', ['sku'])
    op.execute(_PG_MOVE if postgres else _SQLITE_MOVE)
    op.execute(_SKUS)
    for table in ('product_variants', 'product_images', 'product_custom_fields'):
        op.drop_table(table)
    op.execute("ALTER TABLE products DROP COLUMN raw")
    if not postgres:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    raise NotImplementedError("the child tables were folded into products; restore a backup to go back")
