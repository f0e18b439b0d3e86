"""The root ``productVariants`` connection: every variant of the shop in variant-id order (product, then
position), keyset-paged like ``products``, with the filters a sync uses (``product_id``, ``sku``,
``updated_at``); and ``productVariantsCount``, which ignores its query as observed (a switch)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Any

from claudery_shopify.demo_store import generator as gen
from claudery_shopify.demo_store.catalog import Catalog
from claudery_shopify.demo_store.connections import connection, decode_cursor, encode_cursor, page_size
from claudery_shopify.demo_store.generator import Core
from claudery_shopify.demo_store.search import TOKEN_PATTERN, parse_time

VariantPredicate = Callable[[Core, int], bool]
F = gen.VARIANT_FACTOR


def compile_variant_query(
    seed: int, query: str | None
) -> tuple[int | None, VariantPredicate | None, list[dict]]:
    """(product id to restrict to, predicate on (core, position), warnings) for a ``query:`` string."""
    product: int | None = None
    preds: list[VariantPredicate] = []
    warnings: list[dict[str, str]] = []
    for tok in TOKEN_PATTERN.findall(query or ""):
        if tok in ("AND", "(", ")") or not tok:
            continue
        name, _, rest = tok.partition(":")
        op = next((o for o in (">=", "<=", ">", "<") if rest.startswith(o)), "")
        value = rest[len(op) :].strip("'\"")
        if name == "product_id" and value.rsplit("/", 1)[-1].isdigit():
            product = int(value.rsplit("/", 1)[-1])
        elif name == "sku":
            preds.append(lambda c, k, v=value: gen.variant_sku(seed, c, k) == v)
        elif name == "updated_at":
            try:
                bound = parse_time(value)
            except ValueError:
                warnings.append({"field": name, "message": f"Invalid value '{value}' for {name}."})
                continue
            compare = {">=": bound.__le__, ">": bound.__lt__, "<=": bound.__ge__, "<": bound.__gt__}.get(
                op, bound.__eq__
            )
            preds.append(lambda c, k, f=compare: f(gen.variant_updated(c, k)))
        else:
            warnings.append({"field": name, "message": "Invalid search field for this query."})
    if not preds:
        return product, None, warnings
    return product, lambda c, k: all(p(c, k) for p in preds), warnings


def _walk(cat: Catalog, pids: list[int], low: int, high: int, ascending: bool) -> Iterator[tuple[Core, int]]:
    """(core, position) of every variant with low < id < high, in id order (or reversed)."""
    cores = cat.cores
    if ascending:
        start = bisect.bisect_left(pids, low // F)
        for pid in pids[start:]:
            if pid * F >= high:
                return
            core = cores.get(pid)
            if core is None:
                continue
            first = (low % F) + 1 if pid == low // F else 1
            for k in range(first, core.n_variants + 1):
                if pid * F + k >= high:
                    return
                yield core, k
    else:
        end = bisect.bisect_right(pids, high // F)
        for pid in reversed(pids[:end]):
            if pid * F + F <= low:
                return
            core = cores.get(pid)
            if core is None:
                continue
            last = min(core.n_variants, (high % F) - 1) if pid == high // F else core.n_variants
            for k in range(last, 0, -1):
                if pid * F + k <= low:
                    return
                yield core, k


def variants_connection(cat: Catalog, args: dict[str, Any]) -> tuple[dict[str, Any], list[dict]]:
    """One page of ``productVariants`` and the search warnings."""
    size, backward = page_size(args)
    reverse = bool(args.get("reverse"))
    product, pred, warnings = compile_variant_query(cat.seed, args.get("query"))
    after = decode_cursor(args["after"])[0] if args.get("after") else None
    before = decode_cursor(args["before"])[0] if args.get("before") else None
    low_cut, high_cut = (after, before) if not reverse else (before, after)
    low, high = (-1 if low_cut is None else low_cut), (2**62 if high_cut is None else high_cut)
    with cat.lock:
        pids = ([product] if product in cat.cores else []) if product is not None else list(cat.ids)
    from_low = reverse == backward

    def matches(walk: Iterator[tuple[Core, int]]) -> Iterator[tuple[Core, int]]:
        return walk if pred is None else ((c, k) for c, k in walk if pred(c, k))

    picked, more = [], False
    for row in matches(_walk(cat, pids, low, high, from_low)):
        if len(picked) == size:
            more = True
            break
        picked.append(row)
    if from_low == reverse:
        picked.reverse()
    cut = after if not backward else before
    other = False
    if cut is not None:
        side = _walk(cat, pids, -1, low + 1, False) if from_low else _walk(cat, pids, high - 1, 2**62, True)
        other = next(matches(side), None) is not None
    has_next, has_prev = (more, other) if not backward else (other, more)
    nodes, axes = [], {}
    for core, k in picked:
        if core.id not in axes:
            axes[core.id] = gen.option_axes(core.n_variants)
        node = cat.node(core)
        nodes.append(gen.variant_node(cat.env, core, k, axes[core.id], lambda _a=None, n=node: n))
    ids = [c.id * F + k for c, k in picked]
    return connection(nodes, lambda i: encode_cursor(ids[i], ids[i]), has_next, has_prev), warnings


def variants_count(cat: Catalog, args: dict[str, Any], ignore_query: bool) -> dict[str, Any]:
    """``productVariantsCount``: every variant (the query is ignored, as observed) unless told otherwise."""
    limit = args.get("limit")
    if ignore_query or not args.get("query"):
        with cat.lock:
            total = sum(c.n_variants for c in cat.cores.values())
    else:
        product, pred, _ = compile_variant_query(cat.seed, args["query"])
        with cat.lock:
            pids = ([product] if product in cat.cores else []) if product is not None else list(cat.ids)
        total = sum(1 for c, k in _walk(cat, pids, -1, 2**62, True) if pred is None or pred(c, k))
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}
