"""search: variant SKUs, options, custom fields and tags searchable; preferences, assistant, insights

Revision ID: 0010_search
Revises: 0009_webhooks

A product's children live as JSON in ``product_payloads`` (0007_ingest_speed). Their searchable words
(variant SKUs, option values such as colours and sizes, custom field values, tags) go to a second index
beside ``product_search``, kept by triggers on ``product_payloads`` (a sync replaces a payload whole:
delete then insert), so the product triggers tuned in 0006 stay as they are. SQLite: an FTS5 table
``product_attributes`` (same tokenizer as ``product_search``); PostgreSQL: ``product_attribute_search``
with a tsvector and a GIN index. Both also keep the plain words, for the catalog vocabulary that typo
tolerance and "did you mean" draw on.

New tables: ``search_preferences`` (a merchant's ranking settings), ``assistant_settings`` and
``search_query_stats`` (per day and normalized query: searches, zero-result searches, clicks; no shopper
identifiers). DDL is frozen in this file, like 0003's.
"""
from alembic import op
import sqlalchemy as sa

revision = '0010_search'
down_revision = '0009_webhooks'
branch_labels = None
depends_on = None

_SQLITE_TERMS = """trim(
    COALESCE((SELECT group_concat(json_extract(v.value, '$.sku'), ' ') FROM json_each({row}.variants) v), '')
    || ' ' || COALESCE((SELECT group_concat(json_extract(o.value, '$.value'), ' ')
                        FROM json_each({row}.variants) v, json_each(v.value, '$.option_values') o), '')
    || ' ' || COALESCE((SELECT group_concat(json_extract(f.value, '$.value'), ' ')
                        FROM json_each({row}.custom_fields) f), '')
    || ' ' || COALESCE((SELECT group_concat(t.value, ' ') FROM json_each(p.tags) t), ''))"""
_SQLITE_INSERT = (
    "INSERT INTO product_attributes(rowid, filters, terms) SELECT {row}.product_id, 's' || p.site_id || 'x', "
    + _SQLITE_TERMS
    + " FROM products p WHERE p.id = {row}.product_id"
)
SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE product_attributes USING fts5("
    "filters, terms, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER product_attributes_ai AFTER INSERT ON product_payloads BEGIN\n  "
    + _SQLITE_INSERT.format(row="NEW") + ";\nEND",
    "CREATE TRIGGER product_attributes_au AFTER UPDATE OF variants, custom_fields ON product_payloads BEGIN\n"
    "  DELETE FROM product_attributes WHERE rowid = OLD.product_id;\n  "
    + _SQLITE_INSERT.format(row="NEW") + ";\nEND",
    "CREATE TRIGGER product_attributes_ad AFTER DELETE ON product_payloads BEGIN\n"
    "  DELETE FROM product_attributes WHERE rowid = OLD.product_id;\nEND",
    _SQLITE_INSERT.format(row="pp").replace(" WHERE p.id = pp.product_id", "")
    .replace("FROM products p", "FROM product_payloads pp JOIN products p ON p.id = pp.product_id"),
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS product_attributes_ai",
    "DROP TRIGGER IF EXISTS product_attributes_au",
    "DROP TRIGGER IF EXISTS product_attributes_ad",
    "DROP TABLE IF EXISTS product_attributes",
]

_PG_TERMS = """trim(
    COALESCE((SELECT string_agg(v->>'sku', ' ') FROM json_array_elements(pp.variants) v), '')
    || ' ' || COALESCE((SELECT string_agg(o->>'value', ' ') FROM json_array_elements(pp.variants) v,
                        json_array_elements(COALESCE(v->'option_values', '[]'::json)) o), '')
    || ' ' || COALESCE((SELECT string_agg(f->>'value', ' ') FROM json_array_elements(pp.custom_fields) f), '')
    || ' ' || COALESCE((SELECT string_agg(t, ' ') FROM json_array_elements_text(COALESCE(p.tags, '[]'::json)) t), ''))"""
PG_UPGRADE = [
    """CREATE TABLE product_attribute_search (
        product_id integer PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
        site_id integer NOT NULL,
        terms text NOT NULL,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX ix_product_attribute_search_document ON product_attribute_search USING gin (document)",
    "CREATE INDEX ix_product_attribute_search_site ON product_attribute_search (site_id)",
    f"""CREATE FUNCTION product_attributes_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
        DELETE FROM product_attribute_search WHERE product_id = ANY(ids);
        INSERT INTO product_attribute_search (product_id, site_id, terms, document)
        SELECT pp.product_id, p.site_id, t.terms, to_tsvector('english', product_search_fold(t.terms))
        FROM product_payloads pp JOIN products p ON p.id = pp.product_id,
             LATERAL (SELECT {_PG_TERMS} AS terms) t
        WHERE pp.product_id = ANY(ids);
    $$""",
    """CREATE FUNCTION product_attributes_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM product_attribute_search WHERE product_id = OLD.product_id;
            RETURN OLD;
        END IF;
        PERFORM product_attributes_refresh(ARRAY[NEW.product_id]);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER product_attributes_payloads AFTER INSERT OR UPDATE OR DELETE ON product_payloads
        FOR EACH ROW EXECUTE FUNCTION product_attributes_trigger()""",
    "SELECT product_attributes_refresh(ARRAY(SELECT product_id FROM product_payloads))",
]
PG_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS product_attributes_payloads ON product_payloads",
    "DROP FUNCTION IF EXISTS product_attributes_trigger()",
    "DROP FUNCTION IF EXISTS product_attributes_refresh(integer[])",
    "DROP TABLE IF EXISTS product_attribute_search",
]


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_UPGRADE if postgres else SQLITE_UPGRADE:
        op.execute(statement)
    op.create_table(
        'search_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('weights', sa.JSON(), nullable=False),
        sa.Column('boost_in_stock', sa.Float(), nullable=False),
        sa.Column('boost_on_sale', sa.Float(), nullable=False),
        sa.Column('typo_tolerance', sa.Boolean(), nullable=False),
        sa.Column('pinned', sa.JSON(), nullable=False),
        sa.Column('synonyms', sa.JSON(), nullable=False),
        sa.Column('stop_words', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', name='uq_search_preferences_site'),
    )
    op.create_table(
        'assistant_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('tone', sa.String(length=20), nullable=False),
        sa.Column('starters', sa.JSON(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', name='uq_assistant_settings_site'),
    )
    op.create_table(
        'search_query_stats',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('query', sa.String(length=200), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('zero_results', sa.Integer(), nullable=False),
        sa.Column('clicks', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('site_id', 'day', 'query', name='uq_search_query_stats_site_day_query'),
    )


def downgrade():
    op.drop_table('search_query_stats')
    op.drop_table('assistant_settings')
    op.drop_table('search_preferences')
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in PG_DOWNGRADE if postgres else SQLITE_DOWNGRADE:
        op.execute(statement)
