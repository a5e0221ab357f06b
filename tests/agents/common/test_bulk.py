"""``rows_update``: many rows, each with its own values, in one UPDATE from column arrays, written as
``save`` writes them (the cycle's intentions and the protocol runs go through it)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.common.bulk import rows_update
from agents.models import Goal, Intention
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db

FIELDS = ["status", "stack", "goal", "wait", "wait_until", "steps_total", "error", "updated_at"]


def _intentions(count: int) -> list[Intention]:
    agent = AgentFactory()
    now = timezone.now()
    return [Intention.objects.create(agent=agent, trigger_kind="goal_added", trigger_name=f"g{i}", created_at=now,
                                     updated_at=now, wait={"old": True}) for i in range(count)]


def _updates(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE"))


@pytest.mark.parametrize("count", [2, 40])
def test_every_row_gets_its_own_values_in_one_statement(count):
    rows = _intentions(count)
    goal = Goal.objects.create(agent=rows[0].agent, name="pay")
    later = timezone.now() + datetime.timedelta(hours=1)
    for i, row in enumerate(rows):
        row.status = "waiting" if i % 2 else "achieved"
        row.stack = [{"pc": [i], "bindings": {"X": f"it's \"{i}\"", "n": [1, None, {"é": 2.5}]}}]
        row.goal = goal if i % 2 else None
        row.wait = None if i % 2 else {"approval": str(i)}
        row.wait_until = later if i % 2 else None
        row.steps_total, row.error, row.updated_at = i * 3, {"error": "x"} if i == 1 else None, later
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(Intention, rows, FIELDS) == count
    assert _updates(queries) == 1
    for row in rows:
        stored = Intention.objects.get(pk=row.pk)
        for name in FIELDS:
            assert getattr(stored, name) == getattr(row, name), name
        assert stored.trigger_name == row.trigger_name  # a field not named is left as it was
    # None is SQL NULL, as save() writes it (not JSON null).
    assert Intention.objects.filter(pk__in=[r.pk for r in rows], wait__isnull=True).count() == count // 2


def test_a_row_given_twice_gets_its_last_copy_and_nothing_given_writes_nothing():
    [row] = _intentions(1)
    copy = Intention.objects.get(pk=row.pk)
    row.status, copy.status = "waiting", "failed"
    assert rows_update(Intention, [row, copy], ["status"]) == 1
    assert Intention.objects.get(pk=row.pk).status == "failed"
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(Intention, [], ["status"]) == 0
    assert queries.captured_queries == []
