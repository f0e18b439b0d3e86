"""One store's catalog: the current products (compact cores + edits), serialized-JSON cache, change log.

Reads take no lock: mutations replace ``ids`` (a sorted list) with a new list, so a reader always sees a
consistent snapshot. Serialized products are cached per product and dropped when the product changes.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from claudery_bigcommerce.demo_store import generator as gen
from claudery_bigcommerce.demo_store.formats import dumps, iso_date
from claudery_bigcommerce.demo_store.generator import Pieces

__all__ = ["Catalog", "Change", "Pieces"]

SUBRESOURCES = ("variants", "images", "custom_fields", "options")
CORE_FIELDS = ("name", "sku", "price", "sale_price", "is_visible", "brand_id", "categories",
               "inventory_level", "total_sold", "availability", "type", "is_featured")  # fmt: skip


@dataclass
class Change:
    """One recorded catalog change (admin edit or injected paging churn)."""

    seq: int
    at: float
    kind: str  #: "created" | "updated" | "deleted"
    product_id: int
    source: str  #: "admin" | "paging_changes"
    fields: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Return the change as JSON-ready dict (``at`` as unix seconds and ISO 8601)."""
        return {"seq": self.seq, "at": self.at, "at_iso": iso_date(int(self.at)), "kind": self.kind,
                "product_id": self.product_id, "source": self.source, "fields": self.fields}  # fmt: skip


class Catalog:
    """The products, categories and brands of one store."""

    def __init__(self, store_hash: str, seed: int, products: int, *, cache_products: int = 20_000,
                 cache_mb: float = 32, change_log_limit: int = 200_000) -> None:  # fmt: skip
        self.store_hash = store_hash
        self.seed = seed
        #: where product image URLs point: BigCommerce's CDN, or a running demo store's own /__images
        self.image_base = gen.CDN
        self.taxonomy = gen.make_taxonomy(seed, products, store_hash)
        ids = gen.product_ids(seed, products)
        # A few guaranteed huge products, so even a small demo catalog has several-hundred-variant pages.
        forced = (
            {ids[i]: 250 + 50 * (k % 8) for k, i in enumerate(range(5, len(ids), 5000))}
            if len(ids) > 5
            else {}
        )
        self.cores: dict[int, gen.Core] = {
            pid: gen.make_core(seed, pid, self.taxonomy, force_variants=forced.get(pid, 0)) for pid in ids
        }
        self.ids: list[int] = ids
        self.overrides: dict[int, dict[str, Any]] = {}
        self.version = 0  # bumped on every change; keys the sort caches
        self.next_id = (ids[-1] + 1) if ids else 77
        self._lock = threading.RLock()
        # Serialized products, oldest first, bounded by count and by bytes: a sync reads each product once,
        # so the cache only has to hold the read-ahead page and a few recent ones.
        self._cache: OrderedDict[int, Pieces] = OrderedDict()
        self._cache_limit = max(1, cache_products)
        self._cache_budget = max(1, int(cache_mb * 1024 * 1024))
        self._cache_bytes = 0
        self.changes: deque[Change] = deque(maxlen=max(1, change_log_limit))
        self._seq = 0
        self.listeners: list[Callable[[str, int], None]] = []
        self.sort_cache: dict[tuple[str, int], list[int]] = {}
        # Read-ahead: while a client parses one page, the next page's products are generated, so
        # sequential paging (offset or keyset) is served from cache. One pending batch at most.
        self._prefetch: queue.Queue[list[int]] = queue.Queue(maxsize=1)
        threading.Thread(target=self._prefetch_loop, name=f"demo-prefetch-{store_hash}", daemon=True).start()

    def prefetch(self, ids: list[int]) -> None:
        """Warm the cache for ``ids`` in the background (dropped if a batch is already pending)."""
        missing = [pid for pid in ids if pid not in self._cache]
        if missing:
            with contextlib.suppress(queue.Full):
                self._prefetch.put_nowait(missing)

    def _prefetch_loop(self) -> None:
        while True:
            self.pieces_many(self._prefetch.get())

    def warm(self) -> dict[str, int]:
        """Generate every product into the cache, as far as its bounds allow, so that a benchmark can
        measure a client against a store whose catalog is ready (a real platform reads it from its
        database; generating it costs this stand-in ~90 µs of CPU a product, on the client's machine)."""
        for start in range(0, len(self.ids), 250):
            self.pieces_many(self.ids[start : start + 250])
        return {"products": len(self.ids), "cached": len(self._cache), "bytes": self._cache_bytes}

    # -- reading --------------------------------------------------------------------------------
    def pieces(self, pid: int) -> Pieces:
        """Return the serialized product (cached). Raises KeyError if it does not exist."""
        cached = self._cache.get(pid)
        if cached is not None:
            return cached
        version = self.version
        pieces = self._generate(pid, self.cores[pid], self.overrides.get(pid))
        self._store([(pid, pieces)], version)
        return pieces

    def pieces_many(self, pids: list[int]) -> list[tuple[int, Pieces]]:
        """Return (id, serialized product) for each of ``pids`` that exists (a page: one cache update)."""
        cache, cores, overrides = self._cache, self.cores, self.overrides
        seed, store_hash, generate, image_base = (
            self.seed,
            self.store_hash,
            gen.product_pieces,
            self.image_base,
        )
        version = self.version
        out, fresh = [], []
        for pid in pids:
            pieces = cache.get(pid)
            if pieces is None:
                core = cores.get(pid)
                if core is None:  # deleted while this request ran
                    continue
                edits = overrides.get(pid)
                pieces = (
                    self._generate(pid, core, edits)
                    if edits
                    else generate(seed, core, store_hash, image_base)
                )
                fresh.append((pid, pieces))
            out.append((pid, pieces))
        if fresh:
            self._store(fresh, version)
        return out

    def _store(self, fresh: list[tuple[int, Pieces]], version: int) -> None:
        """Cache products generated from the state at ``version``; evict the oldest beyond the budget."""
        cache = self._cache
        with self._lock:
            changed = self.version != version
            for pid, pieces in fresh:
                if changed and self._changed_since(pid, version):
                    continue  # edited while generated: served once, but a stale copy is not kept
                old = cache.pop(pid, None)
                if old is not None:
                    self._cache_bytes -= old.size
                cache[pid] = pieces
                self._cache_bytes += pieces.size
            while len(cache) > self._cache_limit or (
                self._cache_bytes > self._cache_budget and len(cache) > 1
            ):
                self._cache_bytes -= cache.popitem(last=False)[1].size

    def _changed_since(self, pid: int, version: int) -> bool:
        """True if product ``pid`` changed after ``version`` (``version`` counts the changes: it is a seq)."""
        for change in reversed(self.changes):
            if change.seq <= version:
                return False
            if change.product_id == pid:
                return True
        return True  # the log no longer reaches back that far

    def _generate(self, pid: int, core: gen.Core, edits: dict | None) -> Pieces:
        if not edits:
            return gen.product_pieces(self.seed, core, self.store_hash, self.image_base)
        return self._serialize(*self.build(pid, core, edits))

    @staticmethod
    def _serialize(base: dict, variants: list, images: list, fields: list, options: list) -> Pieces:
        primary = next((i for i in images if i["is_thumbnail"]), images[0] if images else None)
        return Pieces(dumps(base)[:-1], dumps(variants), dumps(images), dumps(fields), dumps(options),
                      dumps(primary), len(images))  # fmt: skip

    def build(
        self, pid: int, core: gen.Core | None = None, edits: dict | None = None
    ) -> tuple[dict, list, list, list, list]:
        """Return (base, variants, images, custom_fields, options) as dicts, edits applied.

        ``core`` and ``edits`` default to the current state; the ground truth passes a snapshot.
        """
        if core is None:
            core, edits = self.cores[pid], self.overrides.get(pid)
        base, variants, images, fields, options = gen.build_product(
            self.seed, core, self.store_hash, self.image_base
        )
        if edits:
            subs = {"variants": variants, "images": images, "custom_fields": fields, "options": options}
            for key, value in edits.items():
                if key in subs:
                    subs[key] = value
                else:
                    base[key] = value
            variants, images, fields, options = (subs[k] for k in SUBRESOURCES)
        return base, variants, images, fields, options

    def full_product(self, pid: int) -> dict[str, Any]:
        """Return the product with every sub-resource, as ``include=variants,images,custom_fields,...``."""
        base, variants, images, fields, options = self.build(pid)
        primary = next((i for i in images if i["is_thumbnail"]), images[0] if images else None)
        return {**base, "variants": variants, "images": images, "custom_fields": fields,
                "options": options, "primary_image": primary}  # fmt: skip

    def exists(self, pid: int) -> bool:
        """True if product ``pid`` currently exists."""
        return pid in self.cores

    def id_range(self, low: int, high: int) -> tuple[int, int]:
        """Return the [start, stop) index range of ids within [low, high] in the current snapshot."""
        ids = self.ids
        return bisect.bisect_left(ids, low), bisect.bisect_right(ids, high)

    def ground_truth(self) -> Iterator[bytes]:
        """Stream the whole current catalog as one JSON document (products, categories, brands).

        The snapshot is taken under the lock, so it is consistent even while products change.
        """
        with self._lock:  # cheap: copies of the compact cores, not generated products
            version, ids = self.version, self.ids
            snapshot = [(pid, self._cache.get(pid), copy.copy(self.cores[pid]), dict(self.overrides.get(pid, {})))
                        for pid in ids]  # fmt: skip
        yield b'{"store_hash":' + dumps(self.store_hash) + b',"version":' + str(version).encode()
        yield b',"count":' + str(len(ids)).encode() + b',"products":['
        for n, (pid, cached, core, edits) in enumerate(snapshot):
            # Generated outside the lock and not cached, so a 100k dump neither blocks edits nor evicts pages.
            p = cached or self._generate(pid, core, edits)
            yield (b"," if n else b"") + p.base + b',"variants":' + p.variants + b',"images":' + p.images
            yield b',"custom_fields":' + p.custom_fields + b',"primary_image":' + p.primary_image + b"}"
        yield b'],"categories":' + dumps(self.taxonomy.categories)
        yield b',"brands":' + dumps(self.taxonomy.brands) + b"}"

    # -- changing -------------------------------------------------------------------------------
    def create(self, fields: dict[str, Any], *, source: str = "admin") -> int:
        """Add a product above the highest id; unspecified fields are generated. Returns its id."""
        with self._lock:
            pid = self.next_id
            self.next_id += 1
            core = gen.make_core(self.seed, pid, self.taxonomy)
            core.date_created = core.date_modified = int(time.time())
            self.cores[pid] = core
            self._apply(pid, fields)
            self.ids = [*self.ids, pid] if not self.ids or pid > self.ids[-1] else sorted([*self.ids, pid])
            self._record("created", pid, source, sorted(fields))
        return pid

    def update(self, pid: int, fields: dict[str, Any], *, source: str = "admin") -> None:
        """Edit a product and bump its ``date_modified`` to now. Raises KeyError if it does not exist."""
        with self._lock:
            if pid not in self.cores:
                raise KeyError(pid)
            core = self.cores[pid]
            # Strictly later than before, so date_modified:min incremental syncs always see the edit.
            core.date_modified = max(int(time.time()), core.date_modified + 1)
            self._apply(pid, fields)
            self._record("updated", pid, source, sorted(fields))

    def delete(self, pid: int, *, source: str = "admin") -> None:
        """Delete a product. Raises KeyError if it does not exist."""
        with self._lock:
            if pid not in self.cores:
                raise KeyError(pid)
            ids = list(self.ids)
            del ids[bisect.bisect_left(ids, pid)]
            self.ids = ids
            del self.cores[pid]
            self.overrides.pop(pid, None)
            self._uncache(pid)
            self._record("deleted", pid, source, [])

    def _apply(self, pid: int, fields: dict[str, Any]) -> None:
        core = self.cores[pid]
        for key in CORE_FIELDS:
            if key in fields:
                setattr(core, key, fields[key])
        extra = {k: v for k, v in fields.items() if k not in CORE_FIELDS and k not in ("id", "date_modified")}
        if extra:
            self.overrides.setdefault(pid, {}).update(extra)
        self._uncache(pid)

    def _uncache(self, pid: int) -> None:
        old = self._cache.pop(pid, None)
        if old is not None:
            self._cache_bytes -= old.size

    def _record(self, kind: str, pid: int, source: str, fields: list[str]) -> None:
        self.version += 1
        self.sort_cache.clear()
        self._seq += 1
        self.changes.append(Change(self._seq, time.time(), kind, pid, source, fields))
        for listener in self.listeners:
            listener(kind, pid)

    def summary(self) -> dict[str, Any]:
        """Return ``GET /v3/catalog/summary`` data (inventory and variant price statistics)."""
        cores = list(self.cores.values())
        prices = [c.calculated_price for c in cores] or [0.0]
        dates = [c.date_modified for c in cores] or [gen.ANCHOR_EPOCH]
        first = self.taxonomy.categories[0] if self.taxonomy.categories else {"id": 0, "name": ""}
        return {
            "inventory_count": sum(c.inventory_level for c in cores),
            "inventory_value": round(sum(c.inventory_level * c.price for c in cores), 2),
            "primary_category_id": first["id"], "primary_category_name": first["name"],
            "variant_count": sum(c.n_variants for c in cores),
            "highest_variant_price": max(prices), "average_variant_price": round(sum(prices) / len(prices), 4),
            "lowest_variant_price": f"{min(prices):.4f}",  # a string, as documented
            "oldest_variant_date": iso_date(min(dates)), "newest_variant_date": iso_date(max(dates)),
        }  # fmt: skip
