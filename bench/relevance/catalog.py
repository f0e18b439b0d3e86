"""A fixed home-goods catalog for relevance checks: names, SKUs, brands, categories, variants with colour
and size options, custom fields, tags, sale prices and stock, as a plugin would deliver them."""

from __future__ import annotations

from hub.contract import CustomField, Product, Variant

BRANDS = [
    ("1", "Le Parfait"),
    ("2", "Fog Linen"),
    ("3", "Hasami"),
    ("4", "Nordic Loom"),
    ("5", "Ember & Oak"),
]
CATEGORIES = [("10", "Mugs"), ("11", "Table Linen"), ("12", "Sofas"), ("13", "Kitchen Storage"),
              ("14", "Candles"), ("15", "Throws & Blankets"), ("16", "Lighting")]  # fmt: skip


def _variants(pid: int, sku: str, option: str, values: list[str]) -> list[Variant]:
    return [Variant(id=f"{pid}-{i}", sku=f"{sku}-{v[:3].upper()}", option_values=[{"option": option, "value": v}])
            for i, v in enumerate(values)]  # fmt: skip


def products() -> list[Product]:
    """The catalog (ids are stable: the queries name them)."""
    rows = [
        # id, name, sku, brand, categories, price, sale, in_stock, description, extra
        (1, "Stoneware Coffee Mug", "MUG-001", "3", ["10"], "14.00", None, True, "A sturdy mug for coffee.",
         {"variants": _variants(1, "MUG-001", "Colour", ["Red", "Blue", "White"])}),
        (2, "Enamel Camping Mug", "MUG-002", None, ["10"], "24.00", "18.00", True, "Light enamel mug for trips.",
         {"variants": _variants(2, "MUG-002", "Colour", ["Green", "Blue"])}),
        (3, "Porcelain Espresso Cup", "CUP-003", "3", ["10"], "9.00", None, False, "Small cup for espresso.", {}),
        (4, "Hasami Porcelain Mug", "MUG-004", "3", ["10"], "32.00", None, True, "Stackable porcelain mug.", {}),
        (5, "Glass Tea Mug", "MUG-005", None, ["10"], "12.00", "10.00", True, "Double-walled glass for tea.", {}),
        (6, "Travel Tumbler", "TMB-006", None, ["10"], "28.00", None, True, "Keeps coffee hot on the go.", {}),
        (7, "Chambray Linen Towel", "FLT-007", "2", ["11"], "18.00", None, True, "Linen tea towel.",
         {"custom_fields": [CustomField(name="Material", value="Flax")]}),
        (8, "Linen Napkins Set", "FLN-008", "2", ["11"], "22.00", "17.00", True, "Four linen napkins.",
         {"tags": ["wedding"]}),
        (9, "Striped Tablecloth", "TCL-009", "2", ["11"], "45.00", None, True, "Cotton tablecloth.", {}),
        (10, "Linen Table Runner", "RUN-010", "2", ["11"], "29.00", None, False, "A long linen runner.", {}),
        (11, "Velvet Sofa", "SOF-011", "4", ["12"], "899.00", None, True, "A deep couch for lazy Sundays.",
         {"variants": _variants(11, "SOF-011", "Colour", ["Green", "Grey"])}),
        (12, "Corner Sofa", "SOF-012", "4", ["12"], "1299.00", "1099.00", True, "L-shaped couch.", {}),
        (13, "Sofa Bed", "SOF-013", "4", ["12"], "749.00", None, True, "Folds out for guests.", {}),
        (14, "Leather Armchair", "ARM-014", "4", ["12"], "549.00", None, True, "Tan leather chair.", {}),
        (15, "Le Parfait Jar 1L", "LPJ-015", "1", ["13"], "8.50", None, True, "Classic French canning jar.", {}),
        (16, "Le Parfait Jar 500ml", "LPJ-016", "1", ["13"], "6.50", None, True, "Small canning jar.", {}),
        (17, "Glass Storage Jar", "JAR-017", None, ["13"], "11.00", None, True, "Airtight glass jar.", {}),
        (18, "Bamboo Bread Bin", "BIN-018", None, ["13"], "39.00", "29.00", True, "Keeps bread fresh.", {}),
        (19, "Ceramic Canister Set", "CAN-019", "3", ["13"], "54.00", None, False, "Three canisters.", {}),
        (20, "Spice Rack", "SPR-020", None, ["13"], "26.00", None, True, "Wall rack for spices.", {}),
        (21, "Soy Wax Candle", "CND-021", "5", ["14"], "19.00", None, True, "Cedar and amber scent.",
         {"custom_fields": [CustomField(name="Scent", value="Cedarwood")]}),
        (22, "Beeswax Taper Candles", "CND-022", "5", ["14"], "15.00", "12.00", True, "Pair of tapers.", {}),
        (23, "Scented Candle Trio", "CND-023", "5", ["14"], "34.00", None, True, "Fig, rose, vetiver.", {}),
        (24, "Brass Candle Holder", "HLD-024", "5", ["14", "16"], "27.00", None, True, "Solid brass.", {}),
        (25, "Wool Throw Blanket", "THR-025", "4", ["15"], "89.00", None, True, "Merino wool throw.",
         {"variants": _variants(25, "THR-025", "Colour", ["Grey", "Mustard", "Red"])}),
        (26, "Cotton Waffle Blanket", "BLK-026", None, ["15"], "65.00", "49.00", True, "Soft waffle weave.", {}),
        (27, "Linen Duvet Cover", "DUV-027", "2", ["15"], "129.00", None, True, "Stonewashed linen.",
         {"variants": _variants(27, "DUV-027", "Size", ["Single", "Double", "King"])}),
        (28, "Chunky Knit Throw", "THR-028", "4", ["15"], "119.00", None, False, "Hand-knitted.", {}),
        (29, "Paper Pendant Lamp", "LMP-029", None, ["16"], "59.00", None, True, "Rice paper shade.", {}),
        (30, "Brass Table Lamp", "LMP-030", "5", ["16"], "149.00", "119.00", True, "Warm reading light.", {}),
        (31, "Rattan Floor Lamp", "LMP-031", None, ["16"], "189.00", None, True, "Woven rattan.", {}),
        (32, "LED String Lights", "LGT-032", None, ["16"], "16.00", None, True, "Warm white fairy lights.", {}),
        (33, "Oak Serving Board", "BRD-033", "5", ["13"], "42.00", None, True, "Solid oak board.", {}),
        (34, "Cast Iron Teapot", "TPT-034", "3", ["10"], "68.00", None, True, "Japanese tetsubin.", {}),
        (35, "Wool Cushion Cover", "CSH-035", "4", ["12", "15"], "35.00", "28.00", True, "For sofa cushions.",
         {"variants": _variants(35, "CSH-035", "Colour", ["Red", "Navy"])}),
        (36, "Gift Card", "GFT-036", None, [], "25.00", None, True, "A present for anyone.", {"tags": ["gift"]}),
    ]  # fmt: skip
    return [
        Product(id=str(pid), name=name, sku=sku, brand_ids=[brand] if brand else [], category_ids=cats,
                price=price, sale_price=sale, in_stock=stock, description=f"<p>{text}</p>", **extra)
        for pid, name, sku, brand, cats, price, sale, stock, text, extra in rows
    ]  # fmt: skip
