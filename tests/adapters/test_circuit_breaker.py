"""The circuit breaker keeps its state in the cache every process shares (Redis in production).

Each breaker object below stands for another process: a web worker and a Celery worker calling the
same system. The whole topology runs in tests/e2e/test_production_topology.py."""

import pytest

from adapters.http import CircuitBreaker


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr("adapters.http.time.time", lambda: Clock.now)
    return Clock


def test_failures_in_several_processes_add_up_and_open_the_circuit_for_all(clock):
    web, worker = CircuitBreaker("crm", threshold=3, cooldown=30), CircuitBreaker("crm", threshold=3, cooldown=30)
    web.record(False)
    worker.record(False)
    assert web.allow() and worker.allow()
    worker.record(False)  # the third in a row, wherever it happened
    assert not web.allow() and not worker.allow()
    assert web.closes_in() == 30
    assert CircuitBreaker("fixed", threshold=3).allow()  # another system's circuit is its own


def test_after_the_cool_down_one_more_failure_opens_it_again_and_a_success_closes_it(clock):
    web, worker = CircuitBreaker("crm", threshold=2, cooldown=30), CircuitBreaker("crm", threshold=2, cooldown=30)
    web.record(False)
    web.record(False)
    clock.now += 29
    assert not worker.allow() and worker.closes_in() == pytest.approx(1)
    clock.now += 1
    assert worker.allow()  # half-open: a call may try
    worker.record(False)
    assert not web.allow()
    clock.now += 30
    assert web.allow()
    web.record(True)
    worker.record(False)
    assert worker.allow()  # a success in any process starts the count afresh
