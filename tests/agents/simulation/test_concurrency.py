"""Advancing a simulation from several sessions at once (real threads, each with its own PostgreSQL session, as
the beat's task on two workers or a person's command beside the beat would): every day is simulated once, in
order, each one starting from the figures the previous one left; a tick never waits for a day in progress."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from agents.models import Simulation, SimulationDay
from agents.reasoning.models import Belief
from agents.simulation.services.days import SIMULATION, simulation_advance, simulations_tick
from tests.support.polling import wait_until
from tests.support.simulation import company_create

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target: Callable[[], object], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0]


@pytest.fixture
def enabled(settings, monkeypatch):
    monkeypatch.setitem(settings.MABOS_CONFIG.values, "SIMULATION_ENABLED", True)


def _chain_holds(simulation: Simulation) -> None:
    """Days 1..n, each once, and the cash the CFO believes is the last day's."""
    rows = list(SimulationDay.objects.filter(simulation=simulation).order_by("day"))
    simulation.refresh_from_db()
    assert [row.day for row in rows] == list(range(1, simulation.day + 1))
    cash = Belief.objects.get(agent__organization=simulation.organization, agent__slug="cfo", key="finance.cash")
    assert cash.value == float(rows[-1].cash)


def _day_in_progress(company, errors: list[BaseException]) -> tuple[threading.Thread, threading.Event]:
    """A session that has simulated day 1 and holds its transaction open until the returned event is set."""
    written, hold = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            simulation_advance(organization=company.org, by=SIMULATION)
            written.set()
            assert hold.wait(30)

    one = _in_thread(first, errors)
    assert written.wait(30), errors
    return one, hold


def test_an_advance_waits_for_the_day_in_progress_then_simulates_the_next_one():
    company = company_create(seed=21)
    errors: list[BaseException] = []
    one, hold = _day_in_progress(company, errors)
    two = _in_thread(lambda: simulation_advance(organization=company.org, by=SIMULATION), errors)
    wait_until(lambda: _lock_waiters() >= 1, timeout=10, message="the second advance waiting for the row lock")
    hold.set()
    one.join(30)
    two.join(30)
    assert not errors, errors
    _chain_holds(company.simulation)
    assert company.simulation.day == 2
    day1, day2 = SimulationDay.objects.filter(simulation=company.simulation).order_by("day")
    # the second day started from the first one's stock: it read what the first committed
    assert day2.stock_on_hand == day1.stock_on_hand - day2.orders


def test_a_tick_skips_a_simulation_whose_day_is_in_progress_without_waiting(enabled):
    company = company_create(seed=22)
    errors: list[BaseException] = []
    ticks: list = []
    one, hold = _day_in_progress(company, errors)
    tick = _in_thread(lambda: ticks.append(simulations_tick(min_interval=0)), errors)
    tick.join(10)
    assert not tick.is_alive(), "the tick waited for the day in progress"
    hold.set()
    one.join(30)
    assert not errors, errors
    assert (ticks[0].advanced, ticks[0].skipped) == (0, 1)
    _chain_holds(company.simulation)
    assert company.simulation.day == 1


def test_ticks_and_advances_from_four_sessions_at_once_simulate_each_day_exactly_once(enabled):
    companies = [company_create(seed=seed) for seed in (31, 32)]
    rounds, sessions = 6, 4
    gate, errors, lock = threading.Barrier(sessions), [], threading.Lock()
    advanced = [0]

    def session(index: int) -> None:
        for _ in range(rounds):
            gate.wait(30)
            if index % 2:
                done = simulations_tick(min_interval=0).advanced
            else:
                simulation_advance(organization=companies[index // 2 % 2].org, by=SIMULATION)
                done = 1
            with lock:
                advanced[0] += done

    threads = [_in_thread(lambda i=i: session(i), errors) for i in range(sessions)]
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    for company in companies:
        _chain_holds(company.simulation)
    assert SimulationDay.objects.count() == advanced[0] == sum(c.simulation.day for c in companies)
    assert advanced[0] >= rounds * 2  # every advance counted, the ticks' days besides
