"""The run timeline (``hub.sync.timeline``): stage durations and page waits add up as the log line says."""

from __future__ import annotations

import time

from hub.sync.timeline import Timeline


def test_stages_and_pages_are_reported_in_the_order_they_ran():
    timeline = Timeline()
    with timeline.stage("categories"):
        time.sleep(0.02)
    with timeline.stage("products"):
        timeline.page(waited=0.25, stored=0.5)
        timeline.page(waited=0.25, stored=1.0)
    names = [name for name, _begun, _took in timeline.stages]
    assert names == ["categories", "products"]
    assert timeline.stages[0][2] >= 0.02 and timeline.stages[1][1] >= timeline.stages[0][2]
    pages = timeline.pages["products"]
    assert (pages.count, pages.waiting, pages.storing) == (2, 0.5, 1.5)
    assert "categories" not in timeline.pages
    summary = timeline.summary()
    assert summary.startswith("took ")
    assert ", products " in summary and "(2 pages, the first stored at " in summary
    assert summary.endswith("waiting for pages 0.50 s, storing 1.50 s)")


def test_a_stage_that_fails_is_still_timed():
    timeline = Timeline()
    try:
        with timeline.stage("listing ids"):
            raise RuntimeError("the platform went away")
    except RuntimeError:
        pass
    assert [name for name, _b, _t in timeline.stages] == ["listing ids"]
    assert Timeline().summary().endswith("no stage ran")
