"""Circuit breakers whose state is shared through Redis: two Breaker objects stand for two processes."""

from __future__ import annotations

import uuid

import pybreaker
import pytest

from mabos.resilience import breakers
from mabos.resilience.breakers import Breaker


def _fail() -> None:
    raise ConnectionError("the dependency is down")


def _ok() -> str:
    return "ok"


@pytest.fixture
def name():
    return f"test-{uuid.uuid4().hex[:8]}"


def commands_processed() -> int:
    return int(breakers._redis().info("stats")["total_commands_processed"])


def test_a_breaker_opened_by_one_process_is_open_for_another(name, monkeypatch):
    monkeypatch.setattr(breakers, "STATE_READ_INTERVAL", 0.0)
    web, worker = Breaker(name, fail_max=3, reset_timeout=60), Breaker(name, fail_max=3, reset_timeout=60)
    for _ in range(3):
        assert worker.call(_fail, fallback=lambda: "fallback") == "fallback"
    assert worker.current_state == pybreaker.STATE_OPEN
    assert web.call(_ok, fallback=lambda: "fallback") == "fallback"  # not called: the circuit is open
    assert web.current_state == pybreaker.STATE_OPEN


def test_failures_in_a_row_count_across_processes_and_a_success_resets_them(name, monkeypatch):
    monkeypatch.setattr(breakers, "STATE_READ_INTERVAL", 0.0)
    one, other = Breaker(name, fail_max=3, reset_timeout=60), Breaker(name, fail_max=3, reset_timeout=60)
    one.call(_fail, fallback=lambda: None)
    other.call(_fail, fallback=lambda: None)
    assert one.fail_counter == 2
    assert other.call(_ok) == "ok"
    assert one.fail_counter == 0
    one.call(_fail, fallback=lambda: None)
    other.call(_fail, fallback=lambda: None)
    assert one.current_state == pybreaker.STATE_CLOSED  # two in a row since the success, not four


def test_a_closed_breaker_costs_no_redis_round_trip_per_call(name):
    """The hot path (a wake-up per send) reads the shared state at most once per STATE_READ_INTERVAL."""
    item = Breaker(name, fail_max=3, reset_timeout=60)
    assert item.call(_ok) == "ok"
    before = commands_processed()
    assert [item.call(_ok) for _ in range(200)] == ["ok"] * 200
    assert commands_processed() - before <= 2 + 1  # at most one re-read (GET, SET) plus INFO itself


def test_a_process_trusting_a_closed_state_still_opens_on_its_own_failures(name):
    """Within STATE_READ_INTERVAL a process may not have seen another open the circuit; its first failure
    against the shared counter opens it there too."""
    web, worker = Breaker(name, fail_max=3, reset_timeout=60), Breaker(name, fail_max=3, reset_timeout=60)
    assert web.call(_ok) == "ok"  # web now trusts "closed" for a while
    for _ in range(3):
        worker.call(_fail, fallback=lambda: None)
    assert worker.current_state == pybreaker.STATE_OPEN
    assert web.call(_fail, fallback=lambda: "fallback") == "fallback"
    assert web.circuit.state.name == pybreaker.STATE_OPEN
