"""search rows of new products written by ingest; PostgreSQL: index functions planned once, a faster fold, lz4 payloads

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
order was the table's); the index is rebuilt once so every row follows these rules. DDL frozen in this file.

PostgreSQL's ``product_search_fold`` mapped 55 accented letters with ``translate``, which walks its map for
every character: ~300 µs for a 1,000-character description, most of a product's indexing. It also folded
differently from the query side (``hub.widget.text.fold``: NFKD, combining marks dropped), so "Αθήνα" was
indexed with its accent and "Łódź" as "lodz" while shoppers' words were folded otherwise. The fold is now
the query side's: lower case, then for non-ASCII text NFKD with the combining marks removed (the ranges
below are Python 3.11's ``unicodedata.combining``, Unicode 14): ~70 µs, and the same words as the query.

PostgreSQL also compresses ``product_payloads``' JSON (a product's raw record is ~7 KB) with lz4 instead
of pglz: ~100 µs less per product stored, for ~8 % more space. Rows already stored keep pglz until rewritten.
"""
from alembic import op

revision = '0011_search_index_rows'
down_revision = '0010_search'
branch_labels = None
depends_on = None

INDEXED_COLUMNS = "name, sku, description, is_visible, purchasable, in_stock, brand_id, category_ids, archived_at"

#: code points with a nonzero canonical combining class (``unicodedata.combining``, Unicode 14.0.0)
_COMBINING = """
    0x300-0x34E 0x350-0x36F 0x483-0x487 0x591-0x5BD 0x5BF 0x5C1-0x5C2 0x5C4-0x5C5 0x5C7 0x610-0x61A
    0x64B-0x65F 0x670 0x6D6-0x6DC 0x6DF-0x6E4 0x6E7-0x6E8 0x6EA-0x6ED 0x711 0x730-0x74A 0x7EB-0x7F3 0x7FD
    0x816-0x819 0x81B-0x823 0x825-0x827 0x829-0x82D 0x859-0x85B 0x898-0x89F 0x8CA-0x8E1 0x8E3-0x8FF 0x93C
    0x94D 0x951-0x954 0x9BC 0x9CD 0x9FE 0xA3C 0xA4D 0xABC 0xACD 0xB3C 0xB4D 0xBCD 0xC3C 0xC4D 0xC55-0xC56
    0xCBC 0xCCD 0xD3B-0xD3C 0xD4D 0xDCA 0xE38-0xE3A 0xE48-0xE4B 0xEB8-0xEBA 0xEC8-0xECB 0xF18-0xF19 0xF35
    0xF37 0xF39 0xF71-0xF72 0xF74 0xF7A-0xF7D 0xF80 0xF82-0xF84 0xF86-0xF87 0xFC6 0x1037 0x1039-0x103A 0x108D
    0x135D-0x135F 0x1714-0x1715 0x1734 0x17D2 0x17DD 0x18A9 0x1939-0x193B 0x1A17-0x1A18 0x1A60 0x1A75-0x1A7C
    0x1A7F 0x1AB0-0x1ABD 0x1ABF-0x1ACE 0x1B34 0x1B44 0x1B6B-0x1B73 0x1BAA-0x1BAB 0x1BE6 0x1BF2-0x1BF3 0x1C37
    0x1CD0-0x1CD2 0x1CD4-0x1CE0 0x1CE2-0x1CE8 0x1CED 0x1CF4 0x1CF8-0x1CF9 0x1DC0-0x1DFF 0x20D0-0x20DC 0x20E1
    0x20E5-0x20F0 0x2CEF-0x2CF1 0x2D7F 0x2DE0-0x2DFF 0x302A-0x302F 0x3099-0x309A 0xA66F 0xA674-0xA67D
    0xA69E-0xA69F 0xA6F0-0xA6F1 0xA806 0xA82C 0xA8C4 0xA8E0-0xA8F1 0xA92B-0xA92D 0xA953 0xA9B3 0xA9C0 0xAAB0
    0xAAB2-0xAAB4 0xAAB7-0xAAB8 0xAABE-0xAABF 0xAAC1 0xAAF6 0xABED 0xFB1E 0xFE20-0xFE2F 0x101FD 0x102E0
    0x10376-0x1037A 0x10A0D 0x10A0F 0x10A38-0x10A3A 0x10A3F 0x10AE5-0x10AE6 0x10D24-0x10D27 0x10EAB-0x10EAC
    0x10F46-0x10F50 0x10F82-0x10F85 0x11046 0x11070 0x1107F 0x110B9-0x110BA 0x11100-0x11102 0x11133-0x11134
    0x11173 0x111C0 0x111CA 0x11235-0x11236 0x112E9-0x112EA 0x1133B-0x1133C 0x1134D 0x11366-0x1136C
    0x11370-0x11374 0x11442 0x11446 0x1145E 0x114C2-0x114C3 0x115BF-0x115C0 0x1163F 0x116B6-0x116B7 0x1172B
    0x11839-0x1183A 0x1193D-0x1193E 0x11943 0x119E0 0x11A34 0x11A47 0x11A99 0x11C3F 0x11D42 0x11D44-0x11D45
    0x11D97 0x16AF0-0x16AF4 0x16B30-0x16B36 0x16FF0-0x16FF1 0x1BC9E 0x1D165-0x1D169 0x1D16D-0x1D172
    0x1D17B-0x1D182 0x1D185-0x1D18B 0x1D1AA-0x1D1AD 0x1D242-0x1D244 0x1E000-0x1E006 0x1E008-0x1E018
    0x1E01B-0x1E021 0x1E023-0x1E024 0x1E026-0x1E02A 0x1E130-0x1E136 0x1E2AE 0x1E2EC-0x1E2EF 0x1E8D0-0x1E8D6
    0x1E944-0x1E94A
"""


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _marks_class() -> str:
    parts = []
    for item in _COMBINING.split():
        low, _, high = item.partition("-")
        start, end = int(low, 16), int(high or low, 16)
        parts.append(_escape(start) if start == end else f"{_escape(start)}-{_escape(end)}")
    return "[" + "".join(parts) + "]"


_PG_FOLD = f"""CREATE OR REPLACE FUNCTION product_search_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(COALESCE(value, '')) = length(COALESCE(value, ''))
                THEN lower(COALESCE(value, ''))
                ELSE regexp_replace(normalize(lower(value), NFKD), '{_marks_class()}', '', 'g') END
$$"""
_PG_OLD_FOLD = """CREATE OR REPLACE FUNCTION product_search_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT translate(lower(COALESCE(value, '')), 'àáâãäåāăąçćčďđèéêëēėęěìíîïīįñńňòóôõöøōùúûüūůűýÿžźżšśłŕř', 'aaaaaaaaacccddeeeeeeeeiiiiiinnnooooooouuuuuuuyyzzzsslrr')
$$"""

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


_PAYLOAD_JSON = ("raw", "variants", "images", "custom_fields")


def _payload_compression(method: str) -> str:
    """``product_payloads``' JSON columns compressed with ``method`` (lz4 when the server was built without
    it is refused: then they stay as they are, with a notice)."""
    columns = ", ".join(f"ALTER COLUMN {c} SET COMPRESSION {method}" for c in _PAYLOAD_JSON)
    return f"""DO $$ BEGIN
    EXECUTE 'ALTER TABLE product_payloads {columns}';
EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
    RAISE NOTICE 'product_payloads keeps its compression: %', SQLERRM;
END $$"""


PG_UPGRADE = [
    _payload_compression("lz4"),
    _PG_FOLD,
    _PG_REFRESH,
    _PG_ATTRIBUTES_REFRESH,
    *_pg_triggers(on_insert=False),
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
    "SELECT product_attributes_refresh(ARRAY(SELECT product_id FROM product_payloads))",
]
PG_DOWNGRADE = [
    _payload_compression("default"),
    *_pg_triggers(on_insert=True),
    _PG_OLD_FOLD,
    "SELECT product_search_refresh(ARRAY(SELECT id FROM products))",
    "SELECT product_attributes_refresh(ARRAY(SELECT product_id FROM product_payloads))",
]

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
