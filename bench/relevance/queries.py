"""Shoppers' queries over ``bench.relevance.catalog`` and the products that should answer them.

``partial`` marks a query still being typed (the widget asks while the shopper types). Expected ids are
every product a shopper would accept in the first five; order does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One query and the products that answer it."""

    query: str
    expected: frozenset[str]
    partial: bool = False
    kind: str = "words"


def _c(query: str, ids: str, kind: str = "words", partial: bool = False) -> Case:
    return Case(query, frozenset(ids.split()), partial, kind)


CASES = [
    _c("mug", "1 2 4 5 3", "words"),
    _c("linen napkins", "8", "words"),
    _c("sofa", "11 12 13", "words"),
    _c("le parfait jar", "15 16", "brand"),
    _c("mug under $20", "1 2 5 3", "price"),
    _c("mugs under 15 dollars", "1 5 3", "price"),
    _c("candles 10-20", "21 22", "price"),
    _c("lamp over 100", "30 31", "price"),
    _c("cheap candle", "21 22", "price"),
    _c("blanket on sale", "26", "sale"),
    _c("lamp on sale", "30", "sale"),
    _c("throw in stock", "25", "stock"),
    _c("fog linen", "7 8 9 10 27", "brand"),
    _c("hasami mug", "1 4", "brand"),
    _c("ember oak candle", "21 22 23 24", "brand"),
    _c("red mug", "1", "option"),
    _c("green sofa", "11", "option"),
    _c("king duvet", "27", "option"),
    _c("MUG-001-BLU", "1", "sku"),
    _c("LPJ-016", "16", "sku"),
    _c("flax towel", "7", "custom field"),
    _c("cedarwood", "21", "custom field"),
    _c("wedding", "8", "tag"),
    _c("cofee mug", "1", "typo"),
    _c("candel", "21 22 23 24", "typo"),
    _c("blankte", "26 25", "typo"),
    _c("lenin napkins", "8", "typo"),
    _c("espr", "3", "prefix", partial=True),
    _c("brass la", "30", "prefix", partial=True),
    _c("wool thr", "25 28", "prefix", partial=True),
    _c("I'm looking for a warm wool throw for my mum", "25 28", "sentence"),
    _c("a cheap jar for my kitchen", "15 16 17", "sentence"),
    _c("teapot", "34", "words"),
    _c("storage jars", "15 16 17", "words"),
]
