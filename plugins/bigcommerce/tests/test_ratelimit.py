"""Rate-limit headers, pacing decisions and backoff bounds, on a fake clock."""

from __future__ import annotations

import pytest
from claudery_bigcommerce.ratelimit import Pacer, RateLimitHeaders, Stopped, parse_rate_limit_headers
from claudery_bigcommerce.retry import BackoffPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def headers(left: int, reset_ms: int, quota: int = 100) -> RateLimitHeaders:
    return RateLimitHeaders(requests_left=left, requests_quota=quota, reset_ms=reset_ms, window_ms=30000)


@pytest.mark.parametrize(
    "raw",
    [
        {
            "X-Rate-Limit-Requests-Left": "35",
            "X-Rate-Limit-Time-Reset-Ms": "15000",
            "X-Rate-Limit-Requests-Quota": "150",
        },
        {
            "x-rate-limit-requests-left": "35",
            "x-rate-limit-time-reset-ms": "15000",
            "x-rate-limit-requests-quota": "150",
        },
        {
            "X-RATE-LIMIT-REQUESTS-LEFT": " 35 ",
            "X-Rate-Limit-TIME-RESET-MS": "15000.0",
            "x-rate-limit-requests-QUOTA": "150",
        },
    ],
)
def test_headers_are_case_insensitive(raw: dict[str, str]) -> None:
    rl = parse_rate_limit_headers(raw)
    assert (rl.requests_left, rl.reset_ms, rl.requests_quota) == (35, 15000, 150)
    assert rl.present and rl.reset_seconds() == 15.0


def test_retry_after_headers_and_garbage() -> None:
    assert parse_rate_limit_headers({"X-Retry-After": "7"}).reset_seconds() == 7.0
    assert parse_rate_limit_headers({"Retry-After": "2.5"}).reset_seconds() == 2.5
    assert parse_rate_limit_headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}).reset_seconds() == 0.0
    rl = parse_rate_limit_headers({"X-Rate-Limit-Requests-Left": "lots", "Retry-After": "soon"})
    assert rl.requests_left is None and rl.reset_seconds() is None and not rl.present
    # the reset header wins over X-Retry-After
    assert (
        parse_rate_limit_headers({"X-Retry-After": "9", "X-Rate-Limit-Time-Reset-Ms": "500"}).reset_seconds()
        == 0.5
    )


def test_pacer_keeps_the_merchants_share_and_waits_for_the_reset() -> None:
    clock = FakeClock()
    pacer = Pacer(0.8, clock=clock, sleep=clock.sleep)
    assert pacer.acquire() == 0  # first request: nothing known yet
    pacer.observe(headers(left=99, reset_ms=10_000))
    assert pacer.reserve() == 20
    sent = 0
    while pacer.acquire() == 0:
        sent += 1
        pacer.observe(headers(left=99 - sent, reset_ms=10_000))
        if sent > 200:
            break
    # 99 left after the first: 79 more while more than 20 remain, then the wait for the reset
    assert sent == 79
    assert clock.now == pytest.approx(1000 + 10.0 + 0.05, abs=0.3)


def test_pacer_counts_requests_in_flight_so_concurrency_cannot_overshoot() -> None:
    clock = FakeClock()
    pacer = Pacer(1.0, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.observe(headers(left=3, reset_ms=5000))
    assert [pacer.acquire() for _ in range(3)] == [0, 0, 0]  # three in flight, no answers yet
    waited = pacer.acquire()  # the fourth must wait for the window, not hit a 429
    assert waited >= 5.0


def test_other_apps_usage_lowers_our_budget() -> None:
    clock = FakeClock()
    pacer = Pacer(0.8, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.observe(headers(left=25, reset_ms=3000))  # other apps used most of the window
    assert pacer.acquire() == 0  # 25 > 20
    pacer.observe(headers(left=21, reset_ms=2900))
    assert pacer.acquire() == 0
    assert pacer.acquire() > 2.0  # we would eat into the merchant's reserve: wait


def test_stale_answer_from_before_a_reset_is_ignored() -> None:
    clock = FakeClock()
    pacer = Pacer(1.0, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.observe(headers(left=50, reset_ms=1000))
    clock.now += 1.5  # the window reset; the pacer assumes the full quota is back
    assert pacer.acquire() == 0
    pacer.observe(headers(left=1, reset_ms=10))  # an answer computed in the old window
    assert pacer.acquire() == 0


def test_penalize_blocks_everyone_and_stop_interrupts() -> None:
    clock = FakeClock()
    pacer = Pacer(0.8, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.observe(headers(left=50, reset_ms=20_000))
    pacer.penalize(4.0)
    started = clock.now
    assert pacer.acquire() == pytest.approx(4.0, abs=0.3)  # everyone waits out the penalty ...
    assert clock.now - started == pytest.approx(4.0, abs=0.3)  # ... really sleeping, not just reporting it
    pacer.penalize(100.0)
    with pytest.raises(Stopped):
        pacer.acquire(should_stop=lambda: True)


def test_no_headers_means_no_pacing() -> None:
    clock = FakeClock()
    pacer = Pacer(0.8, clock=clock, sleep=clock.sleep)
    pacer.acquire()
    pacer.observe(RateLimitHeaders())
    assert all(pacer.acquire() == 0 for _ in range(50))


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_is_capped_exponential_with_jitter_bounds(attempt: int) -> None:
    low = BackoffPolicy(base=1.0, cap=10.0, rng=lambda: 0.0)
    high = BackoffPolicy(base=1.0, cap=10.0, rng=lambda: 0.999999)
    d = min(10.0, 2.0**attempt)
    assert low.delay(attempt) == pytest.approx(d / 2)
    assert high.delay(attempt) == pytest.approx(d, rel=1e-5)
    assert d / 2 <= BackoffPolicy(base=1.0, cap=10.0).delay(attempt) <= d


def test_backoff_retry_budget() -> None:
    policy = BackoffPolicy(max_retries=2)
    assert [policy.should_retry(a) for a in range(4)] == [True, True, False, False]
