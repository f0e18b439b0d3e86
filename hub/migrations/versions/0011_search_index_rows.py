"""search index rows of new products written by ingest; index functions planned once per session

Revision ID: 0011_search_index_rows
Revises: 0010_search

Ingest inserts every new product and payload, and holds their values already: it now writes their search
index rows itself (``hub.sync.search_index``), so the triggers that did it on insert are dropped. They read
each new row back and took its JSON apart in SQL: ~55 % of storing a page on SQLite, ~70 % on PostgreSQL.
The triggers for updates and deletes, and those on brands and categories, stay: they keep the index for
every other write, with the same text.

PostgreSQL: ``product_search_refresh`` and ``product_attributes_refresh`` become PL/pgSQL (a ``LANGUAGE
sql`` function plans its statements again at every call: most of the triggers' cost), and a product's
category names are joined in the order of its category ids, with repeats, as on SQLite and in ingest (the
order was the table's); the index is rebuilt once so every row follows that rule. DDL frozen in this file.
"""
from alembic import op

revision = '0011_search_index_rows'
down_revision = '0010_search'
branch_labels = None
depends_on = None

INDEXED_COLUMNS = "name, sku, description, is_visible, purchasable, in_stock, brand_id, category_ids, archived_at"

_PG_REFRESH = """CREATE OR REPLACE FUNCTION product_search_refresh(ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM product_search WHERE product_id = ANY(ids);
    INSERT INTO product_search (product_id, site_id, live, visible, in_stock, document)
    SELECT p.id, p.site_id, p.archived_at IS NULL, p.is_visible,
           p.purchasable AND COALESCE(p.in_stock, TRUE),
           setweight(to_tsvector('english', product_search_fold(p.name)), 'A')
             || setweight(to_tsvector('simple', COALESCE(p.sku, '')), 'A')
             || setweight(to_tsvector('english', product_search_fold(b.name)), 'B')
             || setweight(to_tsvector('english', product_search_fold((
                  SELECT string_agg(c.name, ' ' ORDER BY j.n)
                  FROM jsonb_array_elements_text(COALESCE(p.category_ids::jsonb, '[]'::jsonb))
                       WITH ORDINALITY AS j(id, n)
                  JOIN categories c ON c.site_id = p.site_id AND c.platform_id = j.id
                ))), 'C')
             || setweight(to_tsvector('english', product_search_fold(regexp_replace(
                  left(COALESCE(p.description, ''), 4000), '<[^>]*>', ' ', 'g'))), 'D')
    FROM products p
    LEFT JOIN brands b ON b.site_id = p.site_id AND b.platform_id = p.brand_id
    WHERE p.id = ANY(ids);
END $$"""

_PG_TERMS = """trim(
    COALESCE((SELECT string_agg(v->>'sku', ' ') FROM json_array_elements(pp.variants) v), '')
    || ' ' || COALESCE((SELECT string_agg(o->>'value', ' ') FROM json_array_elements(pp.variants) v,
                        json_array_elements(COALESCE(v->'option_values', '[]'::json)) o), '')
    || ' ' || COALESCE((SELECT string_agg(f->>'value', ' ') FROM json_array_elements(pp.custom_fields) f), '')
    || ' ' || COALESCE((SELECT string_agg(t, ' ') FROM json_array_elements_text(COALESCE(p.tags, '[]'::json)) t), ''))"""
_PG_ATTRIBUTES_REFRESH = f"""CREATE OR REPLACE FUNCTION product_attributes_refresh(ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM product_attribute_search WHERE product_id = ANY(ids);
    INSERT INTO product_attribute_search (product_id, site_id, terms, document)
    SELECT pp.product_id, p.site_id, t.terms, to_tsvector('english', product_search_fold(t.terms))
    FROM product_payloads pp JOIN products p ON p.id = pp.product_id,
         LATERAL (SELECT {_PG_TERMS} AS terms) t
    WHERE pp.product_id = ANY(ids);
END $$"""


def _pg_triggers(on_insert: bool) -> list[str]:
    insert = "INSERT OR " if on_insert else ""
    return [
        "DROP TRIGGER IF EXISTS product_search_products ON products",
        f"""CREATE TRIGGER product_search_products AFTER {insert}UPDATE OF {INDEXED_COLUMNS}
            ON products FOR EACH ROW EXECUTE FUNCTION product_search_product_trigger()""",
        "DROP TRIGGER IF EXISTS product_attributes_payloads ON product_payloads",
        f"""CREATE TRIGGER product_attributes_payloads AFTER {insert}UPDATE OR DELETE ON product_payloads
            FOR EACH ROW EXECUTE FUNCTION product_attributes_trigger()""",
    ]


PG_UPGRADE = [
    _PG_REFRESH,
    _PG_ATTRIBUTES_REFRESH,
    *_pg_triggers(on_insert=False),
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
]
PG_DOWNGRADE = _pg_triggers(on_insert=True)

# 0007's and 0010's insert triggers, recreated by a downgrade
_SQLITE_IN_STOCK = "(p.purchasable AND COALESCE(p.in_stock, 1))"
_SQLITE_PRODUCT_INSERT = f"""INSERT INTO product_search(rowid, filters, name, sku, brand, categories, description)
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
_SQLITE_ATTRIBUTES_INSERT = """INSERT INTO product_attributes(rowid, filters, terms)
SELECT NEW.product_id, 's' || p.site_id || 'x', trim(
    COALESCE((SELECT group_concat(json_extract(v.value, '$.sku'), ' ') FROM json_each(NEW.variants) v), '')
    || ' ' || COALESCE((SELECT group_concat(json_extract(o.value, '$.value'), ' ')
                        FROM json_each(NEW.variants) v, json_each(v.value, '$.option_values') o), '')
    || ' ' || COALESCE((SELECT group_concat(json_extract(f.value, '$.value'), ' ')
                        FROM json_each(NEW.custom_fields) f), '')
    || ' ' || COALESCE((SELECT group_concat(t.value, ' ') FROM json_each(p.tags) t), ''))
FROM products p WHERE p.id = NEW.product_id;"""

SQLITE_UPGRADE = [
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP TRIGGER IF EXISTS product_attributes_ai",
]
SQLITE_DOWNGRADE = [
    f"CREATE TRIGGER product_search_ai AFTER INSERT ON products BEGIN\n  {_SQLITE_PRODUCT_INSERT}\nEND",
    f"CREATE TRIGGER product_attributes_ai AFTER INSERT ON product_payloads BEGIN\n  {_SQLITE_ATTRIBUTES_INSERT}\nEND",
]


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_UPGRADE if postgres else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_DOWNGRADE if postgres else SQLITE_DOWNGRADE:
        op.execute(statement)
