"""One shop's catalog: compact cores, keyset paging by sort key, edits with an event log, ground truth.

Reads page under a short lock (selecting rows is fast); building nodes happens outside it. Edits
replace a product's Core with a copy, so a node built from the old core stays self-consistent, and the
node cache checks core identity instead of being invalidated.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from claudery_shopify.demo_store import formats as fmt
from claudery_shopify.demo_store import generator as gen
from claudery_shopify.demo_store.connections import decode_cursor, encode_cursor, page_size
from claudery_shopify.demo_store.errors import FieldError
from claudery_shopify.demo_store.generator import Core, Env
from claudery_shopify.demo_store.nodes import product_node
from claudery_shopify.demo_store.search import Search, compile_search, parse_time

TIME_SORTS = {"UPDATED_AT": "updated", "CREATED_AT": "created", "PUBLISHED_AT": "published"}
TEXT_SORTS = {"TITLE": "title", "VENDOR": "vendor", "PRODUCT_TYPE": "product_type"}
EDITABLE = {
    "title": "title",
    "handle": "handle",
    "vendor": "vendor",
    "productType": "product_type",
    "status": "status",
    "tags": "tags",
    "descriptionHtml": "body",
    "variants": "n_variants",
    "media": "n_media",
    "price": "price",
}


@dataclass
class Event:
    """One recorded catalog change (admin edit or injected churn)."""

    seq: int
    at: float
    kind: str  #: "created" | "updated" | "deleted"
    product_id: int
    source: str  #: "admin" | "paging_changes"
    fields: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; ``id`` is the product GID."""
        return {
            "seq": self.seq,
            "at": self.at,
            "at_iso": fmt.iso(self.at),
            "kind": self.kind,
            "id": f"gid://shopify/Product/{self.product_id}",
            "product_id": self.product_id,
            "source": self.source,
            "fields": self.fields,
        }


def _time_value(ts: int | None) -> str:
    """A timestamp as Shopify's cursors carry it: ``"2026-06-24 14:40:33.000000"``."""
    return fmt.iso(ts or 0).replace("T", " ").replace("Z", ".000000")


class Catalog:
    """The products and collections of one shop."""

    def __init__(
        self,
        handle: str,
        seed: int,
        products: int,
        *,
        env: Env,
        now: Callable[[], float],
        max_variants: int = 2000,
        max_media: int = 50,
        cache_products: int = 5000,
        event_log_limit: int = 200_000,
    ) -> None:
        self.handle, self.seed, self.env, self.now = handle, seed, env, now
        self.max_variants, self.max_media = max_variants, max_media
        self.collections = env.collections
        self.collection_index = {c["id"]: i for i, c in enumerate(self.collections)}
        ids = gen.product_ids(seed, products)
        # guaranteed huge products (one at the maximum, more from the middle on, every 5,000), so even a
        # small catalog exercises nested paging
        forced_v = {ids[i]: 260 + (k * 97) % 700 for k, i in enumerate(range(len(ids) // 2, len(ids), 5000))}
        if len(ids) > 3:
            forced_v[ids[3]] = max_variants
        forced_m = {ids[i]: max_media for i in range(7, len(ids), 5000)}
        nc = len(self.collections)
        self.cores: dict[int, Core] = {
            pid: gen.make_core(
                seed,
                pid,
                nc,
                max_variants=max_variants,
                max_media=max_media,
                force_variants=forced_v.get(pid, 0),
                force_media=forced_m.get(pid, -1),
            )
            for pid in ids
        }
        self.ids: list[int] = ids
        self.by_updated: list[tuple[int, int]] = sorted((c.updated, c.id) for c in self.cores.values())
        self.next_id = (ids[-1] if ids else gen.FIRST_PRODUCT_ID) + 1000
        self.version = 0
        self.lock = threading.RLock()
        self._sorted: dict[str, tuple[int, list[tuple[Any, int]]]] = {}
        self._nodes: OrderedDict[int, tuple[Core, str, dict[str, Any]]] = OrderedDict()
        self._cache_limit = max(1, cache_products)
        self.events: deque[Event] = deque(maxlen=max(1, event_log_limit))
        self._seq = 0
        self.listeners: list[Callable[[str, Core | None, Core | None], None]] = []

    # -- reading ------------------------------------------------------------------------------------
    def node(self, core: Core) -> dict[str, Any]:
        """The GraphQL node of ``core`` (cached while the product is unchanged)."""
        kind = self.env.malformed(core.id)  # a fault switched at run time must reach cached products
        hit = self._nodes.get(core.id)
        if hit is not None and hit[0] is core and hit[1] == kind:
            return hit[2]
        node = product_node(self.env, core, kind)
        with self.lock:
            self._nodes[core.id] = (core, kind, node)
            if len(self._nodes) > self._cache_limit:
                self._nodes.popitem(last=False)
        return node

    def core(self, pid: int) -> Core | None:
        """The current core of product ``pid`` (None if it does not exist)."""
        return self.cores.get(pid)

    def search(self, query: str | None, status_default: str = "all", lag_s: float = 0.0) -> Search:
        """Compile a ``query:`` string for this catalog (``lag_s``: the search index's delay)."""
        search = compile_search(
            query, status_default=status_default, sku_of=self._skus, collection_index=self.collection_index
        )
        if lag_s > 0 and search.predicate is not None:
            search.indexed_until = self.now() - lag_s
        return search

    def _skus(self, core: Core) -> list[str | None]:
        return [gen.variant_sku(self.seed, core, k) for k in range(1, core.n_variants + 1)]

    def _order(self, sort_key: str) -> tuple[list[Any], bool]:
        """(sorted keys, keys-are-plain-ids) for a sort key; the non-ID orders hold (value, id)."""
        if sort_key in ("ID", "RELEVANCE"):
            return self.ids, True
        if sort_key == "UPDATED_AT":
            return self.by_updated, False
        cached = self._sorted.get(sort_key)
        if cached is None or cached[0] != self.version:
            keys = sorted((self._sort_value(sort_key, c), c.id) for c in self.cores.values())
            cached = self._sorted[sort_key] = (self.version, keys)
        return cached[1], False

    def _sort_value(self, sort_key: str, core: Core) -> Any:
        if sort_key in TIME_SORTS:
            return getattr(core, TIME_SORTS[sort_key]) or 0
        if sort_key in TEXT_SORTS:
            return getattr(core, TEXT_SORTS[sort_key]) or ""
        if sort_key == "INVENTORY_TOTAL":
            return sum(gen.variant_inventory(self.seed, core, k) for k in range(1, core.n_variants + 1))
        raise FieldError(f"Unsupported sort key {sort_key}", "BAD_REQUEST")

    def cursor(self, sort_key: str, core: Core) -> str:
        """The opaque cursor of a row in ``sort_key`` order."""
        if sort_key in ("ID", "RELEVANCE"):
            return encode_cursor(core.id, core.id)
        value = self._sort_value(sort_key, core)
        return encode_cursor(core.id, _time_value(value) if sort_key in TIME_SORTS else value)

    def _cursor_key(self, cursor: str, sort_key: str) -> Any:
        last_id, value = decode_cursor(cursor)
        if sort_key in ("ID", "RELEVANCE"):
            return last_id
        try:
            if sort_key in TIME_SORTS:
                return (parse_time(str(value).replace(" ", "T").split(".")[0]), last_id)
            if sort_key in TEXT_SORTS:
                return (str(value), last_id)
            return (int(value), last_id)
        except (TypeError, ValueError):
            raise FieldError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from None

    def page(
        self, args: dict[str, Any], search: Search, sort_key: str = "ID"
    ) -> tuple[list[Core], bool, bool]:
        """Select one page: (cores in traversal order, hasNextPage, hasPreviousPage). Keyset: exact under churn."""
        size, backward = page_size(args)
        reverse = bool(args.get("reverse"))
        after = self._cursor_key(args["after"], sort_key) if args.get("after") else None
        before = self._cursor_key(args["before"], sort_key) if args.get("before") else None
        with self.lock:
            keys, plain = self._order(sort_key)
            cores = self.cores
            lo, hi, floor = 0, len(keys), 0
            low_cut, high_cut = (after, before) if not reverse else (before, after)
            if low_cut is not None:
                lo = bisect.bisect_right(keys, low_cut)
            if high_cut is not None:
                hi = bisect.bisect_left(keys, high_cut)
            if sort_key == "UPDATED_AT" and search.updated_min is not None:
                floor = bisect.bisect_left(keys, (search.updated_min, -1))  # nothing below can match
                lo = max(lo, floor)
            from_low = reverse == backward  # first+ascending or last+descending start at the low end
            span = range(lo, hi) if from_low else range(hi - 1, lo - 1, -1)
            picked: list[Core] = []
            more = False
            for i in span:
                core = cores[keys[i] if plain else keys[i][1]]
                if search(core):
                    if len(picked) == size:
                        more = True
                        break
                    picked.append(core)
            if from_low == reverse:  # picked runs against traversal order
                picked.reverse()
            # a row beyond the cursor on the other side tells whether a page exists there
            other = False
            cut = after if not backward else before
            if cut is not None:
                side = range(lo - 1, floor - 1, -1) if from_low else range(hi, len(keys))
                other = any(search(cores[keys[i] if plain else keys[i][1]]) for i in side)
        has_next, has_prev = (more, other) if not backward else (other, more)
        return picked, has_next, has_prev

    def count(self, search: Search, limit: int | None) -> tuple[int, str]:
        """(count, precision) of matching products, counting at most ``limit``."""
        with self.lock:
            cores = list(self.cores.values()) if search.predicate is not None else None
            total = len(self.cores)
        if cores is not None:
            total = 0
            for core in cores:
                if search(core):
                    total += 1
                    if limit is not None and total > limit:
                        break
        if limit is not None and total > limit:
            return limit, "AT_LEAST"
        return total, "EXACT"

    # -- editing ------------------------------------------------------------------------------------
    def _apply(self, core: Core, fields: dict[str, Any]) -> list[str]:
        changed = []
        for key, value in fields.items():
            attr = EDITABLE.get(key)
            if attr is None:
                raise ValueError(f"unknown product field {key!r}; editable: {', '.join(EDITABLE)}")
            if attr == "price":
                value = round(float(value) * 100)
            elif attr == "tags":
                value = tuple(value.split(",") if isinstance(value, str) else value)
                value = tuple(sorted({t.strip() for t in value if t.strip()}))
            elif attr == "status":
                value = str(value).upper()
                if value not in gen.STATUSES:
                    raise ValueError(f"status must be one of {', '.join(gen.STATUSES)}")
            elif attr == "n_variants":
                value = min(max(1, int(value)), 2048)
            elif attr == "n_media":
                value = min(max(0, int(value)), 60)
            setattr(core, attr, value)
            changed.append(key)
        if "status" in fields:
            core.published = (core.published or core.updated) if core.status == "ACTIVE" else None
        return changed

    def _record(self, kind: str, pid: int, source: str, fields: list[str]) -> Event:
        self._seq += 1
        self.version += 1
        event = Event(self._seq, self.now(), kind, pid, source, fields)
        self.events.append(event)
        return event

    def _notify(self, kind: str, before: Core | None, after: Core | None) -> None:
        for listener in list(self.listeners):
            listener(kind, before, after)

    def _stamp(self, floor: int = 0) -> int:
        return max(int(self.now()), floor)

    def create(self, fields: dict[str, Any], source: str = "admin") -> Core:
        """Create a product (unspecified fields generated from the new id); fires products/create."""
        with self.lock:
            pid = self.next_id
            self.next_id += 1 + pid % 7
            core = gen.make_core(
                self.seed,
                pid,
                len(self.collections),
                max_variants=self.max_variants,
                max_media=self.max_media,
            )
            changed = self._apply(core, fields)
            core.created = core.updated = self._stamp()
            core.published = core.created if core.status == "ACTIVE" else None
            self.cores[pid] = core
            bisect.insort(self.ids, pid)
            bisect.insort(self.by_updated, (core.updated, pid))
            self._record("created", pid, source, changed)
        self._notify("created", None, core)
        return core

    def update(self, pid: int, fields: dict[str, Any], source: str = "admin") -> Core:
        """Edit a product, bumping updatedAt; fires products/update. KeyError if it does not exist."""
        with self.lock:
            old = self.cores[pid]
            core = old.copy()
            changed = self._apply(core, fields)
            core.updated = self._stamp(old.updated)
            self.by_updated.pop(bisect.bisect_left(self.by_updated, (old.updated, pid)))
            bisect.insort(self.by_updated, (core.updated, pid))
            self.cores[pid] = core
            self._record("updated", pid, source, changed)
        self._notify("updated", old, core)
        return core

    def delete(self, pid: int, source: str = "admin") -> Core:
        """Delete a product; fires products/delete. KeyError if it does not exist."""
        with self.lock:
            old = self.cores.pop(pid)
            self.ids.pop(bisect.bisect_left(self.ids, pid))
            self.by_updated.pop(bisect.bisect_left(self.by_updated, (old.updated, pid)))
            self._nodes.pop(pid, None)
            self._record("deleted", pid, source, [])
        self._notify("deleted", old, None)
        return old

    # -- ground truth ---------------------------------------------------------------------------------
    def full_product(self, core: Core) -> dict[str, Any]:
        """Everything about one product, nested lists complete (ground truth, webhook payloads)."""
        node = self.node(core)
        out = {k: v for k, v in node.items() if not callable(v) and k != "__typename"}
        out["description"] = node["description"]({})
        out["totalInventory"] = node["totalInventory"]({})
        out["priceRangeV2"] = node["priceRangeV2"]({})
        out["options"] = node["options"]({})
        axes = gen.option_axes(core.n_variants)
        variants = [gen.variant_node(self.env, core, k, axes, None) for k in range(1, core.n_variants + 1)]
        for v in variants:
            del v["product"], v["__typename"]
        out["variants"] = variants
        out["media"] = [gen.media_node(self.env, core, j) for j in range(1, core.n_media + 1)]
        out["metafields"] = [gen.metafield_node(self.env, core, i) for i in range(core.n_metafields)]
        out["collections"] = [
            f"gid://shopify/Collection/{self.collections[i]['id']}" for i in core.collections
        ]
        return out

    def ground_truth(self) -> Iterator[bytes]:
        """The whole current catalog as one streamed JSON document ``{"products": [...], ...}``."""
        with self.lock:
            cores = [self.cores[pid] for pid in self.ids]
            version = self.version
        yield b'{"handle":%s,"version":%d,"count":%d,"products":[' % (
            orjson.dumps(self.handle),
            version,
            len(cores),
        )
        for i in range(0, len(cores), 200):
            chunk = b",".join(orjson.dumps(self.full_product(c)) for c in cores[i : i + 200])
            yield (b"," if i else b"") + chunk
        cols = [{**c, "id": f"gid://shopify/Collection/{c['id']}"} for c in self.collections]
        yield b'],"collections":' + orjson.dumps(cols) + b"}"
