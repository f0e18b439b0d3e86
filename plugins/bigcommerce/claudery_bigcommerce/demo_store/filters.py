"""Product query parameters: the documented filters and sorts of ``GET /v3/catalog/products``."""

from __future__ import annotations

import bisect
import sys
import time
from collections.abc import Callable, Mapping

from claudery_bigcommerce.demo_store import generator as gen
from claudery_bigcommerce.demo_store.catalog import Catalog
from claudery_bigcommerce.demo_store.formats import parse_date_filter

PRODUCT_SORTS = ("id", "name", "sku", "price", "date_modified", "date_last_imported", "inventory_level",
                 "is_visible", "total_sold", "calculated_price")  # fmt: skip
MAX_ID = sys.maxsize


class QueryError(Exception):
    """A query parameter the API would reject with 422 (the documented invalid-filter body)."""

    def __init__(self, title: str, status: int = 422) -> None:
        super().__init__(title)
        self.title = title
        self.status = status


def as_int(params: Mapping[str, str], name: str, default: int | None = None) -> int | None:
    """Parse an integer parameter, raising the documented 422 for non-integers."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(
            f'Query parameter "{name}" value must be integer. For input string: "{raw}".'
        ) from None


def as_int_list(params: Mapping[str, str], name: str) -> list[int] | None:
    """Parse a comma-separated integer list parameter (``id:in=1,2,3``)."""
    raw = params.get(name)
    if raw is None:
        return None
    out = []
    for part in raw.split(","):
        part = part.strip()
        if part:
            try:
                out.append(int(part))
            except ValueError:
                raise QueryError(
                    f'Query parameter "{name}" value must be integer. For input string: "{part}".'
                ) from None
    return out


def as_bool(params: Mapping[str, str], name: str) -> bool | None:
    """Parse a boolean parameter (``true``/``false``/``1``/``0``)."""
    raw = params.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise QueryError(f'Query parameter "{name}" value must be boolean. For input string: "{raw}".')


def select_products(cat: Catalog, params: Mapping[str, str], *, default_sort: str = "id",
                    date_only_uses_request_time: bool = True) -> list[int]:  # fmt: skip
    """Return the ids of the products matching ``params``, in the requested order."""
    low, high = 0, MAX_ID
    exact = as_int(params, "id")
    if exact is not None:
        low, high = exact, exact
    for name, adjust in (("id:min", 0), ("id:greater", 1)):
        value = as_int(params, name)
        if value is not None:
            low = max(low, value + adjust)
    for name, adjust in (("id:max", 0), ("id:less", -1)):
        value = as_int(params, name)
        if value is not None:
            high = min(high, value + adjust)
    ids = cat.ids  # one snapshot for the whole request
    start, stop = bisect.bisect_left(ids, low), bisect.bisect_right(ids, high)
    selected = ids[start:stop] if (start, stop) != (0, len(ids)) else ids
    checks = _checks(cat, params, date_only_uses_request_time)
    if checks:
        cores = cat.cores
        out = []
        for pid in selected:
            core = cores.get(pid)
            if core is not None and all(check(core) for check in checks):
                out.append(pid)
        selected = out
    return _sort(cat, selected, params, default_sort, filtered=bool(checks) or selected is not ids)


def _checks(cat: Catalog, params: Mapping[str, str], date_now: bool) -> list[Callable[[gen.Core], bool]]:
    checks: list[Callable[[gen.Core], bool]] = []
    id_in = as_int_list(params, "id:in")
    if id_in is not None:
        wanted = set(id_in)
        checks.append(lambda c: c.id in wanted)
    id_not_in = as_int_list(params, "id:not_in")
    if id_not_in is not None:
        unwanted = set(id_not_in)
        checks.append(lambda c: c.id not in unwanted)
    visible = as_bool(params, "is_visible")
    if visible is not None:
        checks.append(lambda c: c.is_visible is visible)
    featured = as_bool(params, "is_featured")
    if featured is not None:
        checks.append(lambda c: c.is_featured is featured)
    now = time.time()
    for name, keep in (
        ("date_modified:min", lambda d, t: d >= t),
        ("date_modified:max", lambda d, t: d <= t),
    ):
        raw = params.get(name)
        if raw is not None:
            try:
                bound = parse_date_filter(raw, now=now, date_only_uses_request_time=date_now)
            except ValueError:
                raise QueryError(f'Query parameter "{name}" value must be a date. Given: "{raw}".') from None
            checks.append(lambda c, bound=bound, keep=keep: keep(c.date_modified, bound))
    for name, attr in (("brand_id", "brand_id"), ("inventory_level", "inventory_level"),
                       ("total_sold", "total_sold")):  # fmt: skip
        value = as_int(params, name)
        if value is not None:
            checks.append(lambda c, v=value, a=attr: getattr(c, a) == v)
    for op, keep in (
        (":min", int.__ge__),
        (":max", int.__le__),
        (":greater", int.__gt__),
        (":less", int.__lt__),
    ):
        value = as_int(params, "inventory_level" + op)
        if value is not None:
            checks.append(lambda c, v=value, k=keep: k(c.inventory_level, v))
    for name, attr in (("name", "name"), ("sku", "sku"), ("type", "type"), ("availability", "availability")):
        if name in params:
            checks.append(lambda c, v=params[name], a=attr: getattr(c, a) == v)
    if "sku:in" in params:
        skus = set(params["sku:in"].split(","))
        checks.append(lambda c: c.sku in skus)
    if "price" in params:
        try:
            price = float(params["price"])
        except ValueError:
            raise QueryError(
                f'Query parameter "price" value must be number. Given: "{params["price"]}".'
            ) from None
        checks.append(lambda c: c.price == price)
    category = as_int(params, "categories")
    if category is not None:
        checks.append(lambda c: list(c.categories) == [category])
    cats_all = as_int_list(params, "categories:in")
    if cats_all is not None:  # the spec text: products in *all* the categories given
        need = set(cats_all)
        checks.append(lambda c: need.issubset(c.categories))
    keyword = params.get("keyword")
    if keyword:
        checks.append(_keyword_check(cat, keyword.lower()))
    return checks


def _keyword_check(cat: Catalog, word: str) -> Callable[[gen.Core], bool]:
    brands = cat.taxonomy.brand_names

    def check(core: gen.Core) -> bool:
        if word in core.name.lower() or word in core.sku.lower():
            return True
        if word in brands.get(core.brand_id, "").lower():
            return True
        desc = cat.overrides.get(core.id, {}).get("description")
        if desc is None:
            desc = gen.description(cat.seed, core.id)  # a slice of the seed's corpus: cheap
        return word in desc.lower()

    return check


def _sort(
    cat: Catalog, ids: list[int], params: Mapping[str, str], default: str, *, filtered: bool
) -> list[int]:
    field = params.get("sort") or default
    direction = (params.get("direction") or "asc").lower()
    if field not in PRODUCT_SORTS:
        raise QueryError(
            f'Query parameter "sort" value must be one of {", ".join(PRODUCT_SORTS)}. Given: "{field}".'
        )
    if direction not in ("asc", "desc"):
        raise QueryError(f'Query parameter "direction" value must be one of asc, desc. Given: "{direction}".')
    if field != "id":
        attr = "date_created" if field == "date_last_imported" else field
        cores = cat.cores
        if filtered:
            ids = sorted(ids, key=lambda i: (getattr(cores[i], attr), i))
        else:
            key = (field, cat.version)
            cached = cat.sort_cache.get(key)
            if cached is None:
                cached = sorted(ids, key=lambda i: (getattr(cores[i], attr), i))
                cat.sort_cache[key] = cached
            ids = cached
    return ids[::-1] if direction == "desc" else ids
