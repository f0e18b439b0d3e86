"""Search preferences (save, validation, live preview), assistant settings, and insights, through the
merchant's pages and the public widget API."""

from __future__ import annotations

import pytest

from hub.extensions import db
from hub.models import Site
from hub.models.search import SearchQueryStat
from hub.widget import vocabulary
from tests.widget_support import add_catalog, product, widget_for

SHOP = "https://shop.example"
CATALOG = [
    product(1, "Velvet Sofa", price="900.00", category_ids=[]),
    product(2, "Sofa Cushion", price="25.00", in_stock=False),
    product(3, "Stoneware Mug", price="14.00"),
]


@pytest.fixture
def site_id(app, browser):
    browser.signup()
    sid = browser.create_site()
    with app.app_context():
        vocabulary.forget()
        add_catalog(sid, CATALOG)
        widget_for(db.session.get(Site, sid), allowed_origins=[SHOP])
    yield sid
    vocabulary.forget()


def _preview(browser, sid, q, **values):
    return browser.submit(f"/sites/{sid}/search/preview", {"q": q, "typo_tolerance": "1", **values},
                          page_url=f"/sites/{sid}/search")  # fmt: skip


def test_preview_ranks_with_unsaved_preferences(browser, site_id):
    names = [r["name"] for r in _preview(browser, site_id, "sofa").get_json()["results"]]
    assert names == ["Velvet Sofa", "Sofa Cushion"]  # same name score; the in-stock boost decides
    names = [r["name"] for r in _preview(browser, site_id, "sofa", boost_in_stock="0", pinned="sofa: 2")
             .get_json()["results"]]  # fmt: skip
    assert names == ["Sofa Cushion", "Velvet Sofa"]
    assert _preview(browser, site_id, "couch").get_json()["results"] == []
    found = _preview(browser, site_id, "couch", synonyms="sofa = couch").get_json()["results"]
    assert [r["name"] for r in found] == ["Velvet Sofa", "Sofa Cushion"]
    bad = _preview(browser, site_id, "sofa", weight_name="lots")
    assert bad.status_code == 400 and bad.get_json()["error"] == "weight name: enter a number"


def test_saved_preferences_reach_the_widget(browser, client, site_id):
    page = browser.get(f"/sites/{site_id}/search")
    assert page.status_code == 200 and b"Live preview" in page.data and b"Search preferences" in page.data
    resp = browser.submit(f"/sites/{site_id}/search", {"synonyms": "sofa = couch", "weight_name": "10",
                                                        "typo_tolerance": "1", "pinned": "bad line"})  # fmt: skip
    assert resp.status_code == 400 and "pinned products, line 1" in resp.get_data(as_text=True)
    resp = browser.submit(f"/sites/{site_id}/search", {"synonyms": "sofa = couch", "typo_tolerance": "1"})
    assert resp.status_code == 302
    with client.application.app_context():
        key = widget_for(db.session.get(Site, site_id)).site_key
    data = client.get("/widget/v1/search", query_string={"key": key, "q": "couch under 100"},
                      headers={"Origin": SHOP}).get_json()  # fmt: skip
    assert [r["name"] for r in data["results"]] == ["Sofa Cushion"]
    assert data["understood"] == [{"kind": "price", "label": "under 100", "text": "under 100"}]
    assert data["summary"] == "Here is 1 couch under 100!"


def test_assistant_settings_and_config(browser, client, site_id):
    resp = browser.submit(f"/sites/{site_id}/assistant", {"name": "", "tone": "friendly", "languages": "en"})
    assert resp.status_code == 400 and "name: 1 to 60 characters" in resp.get_data(as_text=True)
    resp = browser.submit(f"/sites/{site_id}/assistant", {"name": "Ada", "tone": "concise", "languages": ["en", "fr"],
                                                           "starters": "Gifts under 30\n\nA cosy sofa"})  # fmt: skip
    assert resp.status_code == 302
    with client.application.app_context():
        key = widget_for(db.session.get(Site, site_id)).site_key
    config = client.get("/widget/v1/config", query_string={"key": key}, headers={"Origin": SHOP}).get_json()
    assert config["assistant"] == {
        "name": "Ada", "starters": ["Gifts under 30", "A cosy sofa"], "languages": ["en", "fr"]
    }  # fmt: skip
    data = client.get("/widget/v1/search", query_string={"key": key, "q": "mug"}, headers={"Origin": SHOP})
    assert data.get_json()["summary"] == "1 mug"  # the concise tone


def test_insights_count_searches_zero_results_and_clicks_without_shopper_data(app, browser, client, site_id):
    with app.app_context():
        key = widget_for(db.session.get(Site, site_id)).site_key
    for q, partial in (
        ("Sofa", "0"),
        ("sofa ", "0"),
        ("so", "1"),
        ("teapto", "0"),
        ("stonewear", "0"),
        ("stonware", "0"),
    ):
        client.get("/widget/v1/search", query_string={"key": key, "q": q, "partial": partial},
                   headers={"Origin": SHOP}).close()  # fmt: skip
    client.get("/widget/v1/click", query_string={"key": key, "q": "sofa"}, headers={"Origin": SHOP}).close()
    with app.app_context():
        rows = {r.query: (r.searches, r.zero_results, r.clicks) for r in db.session.query(SearchQueryStat)}
        columns = set(SearchQueryStat.__table__.columns.keys())
    # one edit away is corrected and found; two edits away finds nothing, and the page suggests a synonym
    assert rows == {"sofa": (2, 0, 1), "teapto": (1, 1, 0), "stonewear": (1, 1, 0), "stonware": (1, 0, 0)}
    assert columns == {"id", "site_id", "day", "query", "searches", "zero_results", "clicks"}
    page = browser.get(f"/sites/{site_id}/insights").get_data(as_text=True)
    assert "<td>sofa</td><td>2</td><td>0</td><td>1</td>" in page
    assert "<td>teapto</td><td>1</td>" in page
    assert "<code>stonewear = stoneware</code>" in page
