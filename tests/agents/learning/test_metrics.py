"""Learning in /metrics: outcomes and rolled outcomes counted once, on commit; the backlog read at scrape time."""

from __future__ import annotations

import pytest
from django.db import transaction

from agents.learning.services.rollup import learning_rollup
from tests.support.metrics import scrape, value
from tests.support.reasoning import World, run_cycles

pytestmark = pytest.mark.django_db(transaction=True)  # the counters move on commit


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_outcomes_and_the_rollup_are_counted_once_and_the_backlog_is_seen(client):
    world = World("ann")
    world.plans("""
        @good +!sell : belief('bad', False) == False <- +sold(true).
        @bad +!sell : belief('bad', False) <- .fail(lost).
    """)
    before = scrape(client)
    for _ in range(3):
        world.goal("ann", "sell")
    run_cycles()

    def rolled_back() -> None:
        with transaction.atomic():
            world.goal("ann", "sell")
            run_cycles()
            raise RuntimeError("rolled back: counts nothing")

    with pytest.raises(RuntimeError):
        rolled_back()
    recorded = scrape(client)
    assert moved(before, recorded, "mabos_learning_outcomes_total", result="success") == 3
    assert moved(before, recorded, "mabos_learning_outcomes_total", result="failure") == 0
    assert value(recorded, "mabos_learning_outcomes_unrolled") == 3
    learning_rollup()
    rolled = scrape(client)
    assert moved(recorded, rolled, "mabos_learning_rolled_outcomes_total") == 3
    assert value(rolled, "mabos_learning_outcomes_unrolled") == 0
    assert 0 <= value(rolled, "mabos_learning_rollup_age_seconds") < 60
