"""The relevance set (``bench/relevance``) as a test: the figures hold, and every query's ranked answer
is exactly the recorded one, on whichever database runs the suite (SQLite, or PostgreSQL with
``DATABASE_URL``): the same preferences give the same results on both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.bench_relevance import precision_at_5
from bench.relevance.catalog import BRANDS, CATEGORIES, products
from bench.relevance.queries import CASES
from hub.extensions import db
from hub.widget import vocabulary
from hub.widget.search import SearchOptions, find
from tests.widget_support import add_catalog, make_site

EXPECTED = Path(__file__).resolve().parent / "search_relevance_answers.json"


@pytest.fixture
def answers(app):
    with app.app_context():
        vocabulary.forget()
        site = make_site(store_info={"currency": "USD"})
        add_catalog(site.id, products(), BRANDS, CATEGORIES)
        found = {
            case.query: [p.platform_id for p, _ in find(db.session, site.id, case.query, SearchOptions(),
                                                        currency="USD", partial=case.partial).rows]
            for case in CASES
        }  # fmt: skip
        vocabulary.forget()
        return found


def test_relevance_figures(answers):
    scores = [precision_at_5(answers[c.query], c.expected) for c in CASES]
    assert sum(scores) / len(scores) >= 0.85
    assert [c.query for c in CASES if not answers[c.query]] == []  # no query answered with nothing


def test_same_answers_on_every_database(answers):
    assert answers == json.loads(EXPECTED.read_text())
