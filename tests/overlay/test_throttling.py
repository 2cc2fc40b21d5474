"""The shared rate throttle: counts in the cache every process shares, a sliding-window estimate.

Several processes counting the same caller at once are checked end to end in
tests/e2e/test_production_topology.py; here the arithmetic, with a clock the test moves."""

import os

import pytest

from overlay.api.throttling import SharedRateThrottle
from overlay.cache import RedisCache


class Clock:
    now = 600.0  # the start of a minute

    def __call__(self) -> float:
        return self.now


class Throttle(SharedRateThrottle):
    rate = "3/min"

    def __init__(self, clock: Clock):
        super().__init__()
        self.timer = clock

    def get_cache_key(self, request, view):
        return "throttle_test_caller"


@pytest.fixture(params=["locmem", "redis"])
def clock(request, monkeypatch):
    """The clock, and the cache the throttle counts in: the local-memory cache, or Redis (one pipeline)."""
    if request.param == "redis":
        redis = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"throttle-test-{os.getpid()}"})
        counters = [f"throttle_test_caller:{window}" for window in range(8, 14)]
        redis.delete_many(counters)
        monkeypatch.setattr(Throttle, "cache", redis)
        yield Clock()
        redis.delete_many(counters)
        return
    yield Clock()


def attempt(clock: Clock, at: float) -> tuple[bool, float | None]:
    """One request at ``at`` seconds, through a new throttle object as each request (and process) has."""
    clock.now = 600.0 + at
    throttle = Throttle(clock)
    allowed = throttle.allow_request(None, None)
    return allowed, None if allowed else throttle.wait()


def test_the_budget_is_counted_across_throttle_objects_and_a_refusal_uses_none(clock):
    assert [attempt(clock, 1)[0] for _ in range(3)] == [True, True, True]
    refused, wait = attempt(clock, 2)
    assert not refused and wait == pytest.approx(58 + 60 * (1 - 2 / 3))
    assert [attempt(clock, 3)[0] for _ in range(5)] == [False] * 5  # hammering buys nothing, costs nothing
    # In the next minute the full window still weighs: 3 x (1 - 1/60) + 1 > 3.
    assert attempt(clock, 61)[0] is False


def test_a_burst_at_a_window_edge_gets_no_second_budget(clock):
    assert [attempt(clock, 59)[0] for _ in range(3)] == [True, True, True]
    allowed, wait = attempt(clock, 61)
    assert not allowed and wait == pytest.approx(20 - 1)  # 2 of 3 may weigh: a third of the window gone
    assert attempt(clock, 61 + 18.9)[0] is False
    assert attempt(clock, 61 + 19)[0] is True  # 3 x (1 - 20/60) + 1 = 3
    assert attempt(clock, 61 + 19)[0] is False


def test_the_budget_comes_back_as_the_window_slides(clock):
    assert [attempt(clock, 10)[0] for _ in range(3)] == [True, True, True]
    assert [attempt(clock, 125)[0] for _ in range(3)] == [True, True, True]  # two windows on: nothing weighs
