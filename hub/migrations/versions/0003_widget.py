"""widget settings and the product search index

Revision ID: 0003
Revises: 0002

The search index is kept in step with the catalog by database triggers, so every writer (the sync
engine's batched upserts, archiving, a shell session) updates it without knowing it exists. A product is
re-indexed when a searchable or filterable column changes; a brand or category change re-indexes the
products that carry it. The ``UPDATE OF`` column lists matter: a full sync touches every unchanged
product's ``last_seen_run_id``, and that must not rewrite 100,000 index rows.

SQLite: an FTS5 table (porter stemmer, so plurals match) keyed by the product id. PostgreSQL: a table with
a weighted tsvector and a GIN index. The DDL lives here, frozen, rather than in application code.
"""
from alembic import op
import sqlalchemy as sa
import hub.models.base  # noqa: F401  (custom column types)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

#: the columns whose change re-indexes a product
INDEXED_COLUMNS = (
    "name, sku, description, is_visible, availability, inventory_level, inventory_tracking, "
    "brand_id, category_ids, archived_at"
)
#: long descriptions are cut before indexing: the first part says what a product is, and it bounds the cost
DESCRIPTION_CHARS = 4000

# ----- SQLite ----------------------------------------------------------------------------------------

_SQLITE_IN_STOCK = (
    "(COALESCE(p.availability, 'available') != 'disabled' AND "
    "(COALESCE(p.inventory_tracking, 'none') = 'none' OR COALESCE(p.inventory_level, 0) > 0))"
)

# The site and its filter rules are single tokens of a "filters" column, so one FTS5 MATCH term restricts a
# query to a site's live products under the widget's rules, without reading other sites' rows. One token
# per rule combination (s<site>x: live; ...xv visible; ...xi in stock; ...xvi both) keeps it to one doclist
# merge: three separate flag terms cost three times as much on a 100,000-product site.
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
    "INSERT INTO product_search(rowid, filters, name, sku, brand, categories, description)"
    + _SQLITE_SELECT
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

SQLITE_UPGRADE = [
    # porter: plurals and -ing forms match their stem; unicode61 folds case and (with 2) diacritics.
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "filters, name, sku, brand, categories, description, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
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
    # A sync writes the index in many small segments; merging them once the run ends makes every later
    # query read one segment per term (about 3x faster on 100,000 products; ~1.5 s of work per sync).
    "CREATE TRIGGER product_search_optimize AFTER UPDATE OF state ON sync_runs "
    "WHEN OLD.state = 'running' AND NEW.state IN ('succeeded', 'partially_failed') BEGIN\n"
    "  INSERT INTO product_search(product_search) VALUES('optimize');\nEND",
    f"{_SQLITE_INSERT}",  # index the products synced before this migration
]

SQLITE_DOWNGRADE = [
    *(
        f"DROP TRIGGER IF EXISTS product_search_{name}"
        for name in (
            "ai",
            "au",
            "ad",
            "brand_ai",
            "brand_au",
            "brand_ad",
            "category_ai",
            "category_au",
            "category_ad",
            "optimize",
        )
    ),
    "DROP TABLE IF EXISTS product_search",
]

# ----- PostgreSQL ------------------------------------------------------------------------------------

PG_UPGRADE = [
    """CREATE TABLE product_search (
        product_id integer PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
        site_id integer NOT NULL,
        live boolean NOT NULL,
        visible boolean NOT NULL,
        in_stock boolean NOT NULL,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX ix_product_search_document ON product_search USING gin (document)",
    "CREATE INDEX ix_product_search_site ON product_search (site_id)",
    # Accents folded without the unaccent extension (not installable everywhere); the search folds the
    # query the same way.
    """CREATE FUNCTION product_search_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT translate(lower(COALESCE(value, '')), 'àáâãäåāăąçćčďđèéêëēėęěìíîïīįñńňòóôõöøōùúûüūůűýÿžźżšśłŕř', 'aaaaaaaaacccddeeeeeeeeiiiiiinnnooooooouuuuuuuyyzzzsslrr')
    $$""",
    # Weights: A name and SKU, B brand, C categories, D description (ts_rank's default 1, .4, .2, .1).
    f"""CREATE FUNCTION product_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM product_search WHERE product_id = ANY(ids);
        INSERT INTO product_search (product_id, site_id, live, visible, in_stock, document)
        SELECT p.id, p.site_id, p.archived_at IS NULL, p.is_visible,
               COALESCE(p.availability, 'available') <> 'disabled'
                 AND (COALESCE(p.inventory_tracking, 'none') = 'none' OR COALESCE(p.inventory_level, 0) > 0),
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
    """CREATE FUNCTION product_search_product_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM product_search_refresh(ARRAY[NEW.id]);
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER product_search_products AFTER INSERT OR UPDATE OF {INDEXED_COLUMNS}
        ON products FOR EACH ROW EXECUTE FUNCTION product_search_product_trigger()""",
    """CREATE FUNCTION product_search_taxonomy_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        r record;
    BEGIN
        IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
        IF TG_OP = 'UPDATE' AND OLD.name IS NOT DISTINCT FROM NEW.name THEN RETURN NULL; END IF;
        IF TG_TABLE_NAME = 'brands' THEN
            PERFORM product_search_refresh(ARRAY(
                SELECT id FROM products WHERE site_id = r.site_id AND brand_id = r.platform_id));
        ELSE
            PERFORM product_search_refresh(ARRAY(
                SELECT id FROM products WHERE site_id = r.site_id
                  AND category_ids::jsonb ? r.platform_id));
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER product_search_brands AFTER INSERT OR UPDATE OF name OR DELETE
        ON brands FOR EACH ROW EXECUTE FUNCTION product_search_taxonomy_trigger()""",
    """CREATE TRIGGER product_search_categories AFTER INSERT OR UPDATE OF name OR DELETE
        ON categories FOR EACH ROW EXECUTE FUNCTION product_search_taxonomy_trigger()""",
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
]

PG_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS product_search_categories ON categories",
    "DROP TRIGGER IF EXISTS product_search_brands ON brands",
    "DROP TRIGGER IF EXISTS product_search_products ON products",
    "DROP FUNCTION IF EXISTS product_search_taxonomy_trigger()",
    "DROP FUNCTION IF EXISTS product_search_product_trigger()",
    "DROP FUNCTION IF EXISTS product_search_refresh(integer[])",
    "DROP FUNCTION IF EXISTS product_search_fold(text)",
    "DROP TABLE IF EXISTS product_search",
]



def upgrade():
    op.create_table('widget_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('site_key', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('accent_color', sa.String(length=7), nullable=False),
    sa.Column('greeting', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('allowed_origins', sa.JSON(), nullable=False),
    sa.Column('include_hidden', sa.Boolean(), nullable=False),
    sa.Column('include_out_of_stock', sa.Boolean(), nullable=False),
    sa.Column('results_per_answer', sa.Integer(), nullable=False),
    sa.Column('key_rotated_at', hub.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', hub.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_widget_settings_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_widget_settings')),
    sa.UniqueConstraint('site_id', name=op.f('uq_widget_settings_site_id')),
    sa.UniqueConstraint('site_key', name=op.f('uq_widget_settings_site_key'))
    )
    statements = PG_UPGRADE if op.get_bind().dialect.name == 'postgresql' else SQLITE_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade():
    statements = PG_DOWNGRADE if op.get_bind().dialect.name == 'postgresql' else SQLITE_DOWNGRADE
    for statement in statements:
        op.execute(statement)
    op.drop_table('widget_settings')
