"""The ordered prefetcher (``claudery_bigcommerce.prefetch``): a stop is obeyed before any page is handed
over, fetched or not, so how many pages a stop lets through does not depend on the machine's speed."""

from __future__ import annotations

import threading

import pytest
from claudery_bigcommerce.prefetch import OrderedPrefetcher
from claudery_bigcommerce.ratelimit import Stopped


def test_a_stop_is_obeyed_even_for_pages_already_fetched():
    fetched = threading.Event()

    def fetch(n: int) -> int:
        if n == 3:  # one worker: page 2 is stored before page 3 is asked for
            fetched.set()
        return n * 10

    with OrderedPrefetcher(fetch, 1, 4, workers=1, ahead=2) as prefetch:
        assert prefetch.take(1) == 10
        assert fetched.wait(10)  # page 2 is waiting, fetched, when the stop comes
        with pytest.raises(Stopped):
            prefetch.take(2, lambda: True)
