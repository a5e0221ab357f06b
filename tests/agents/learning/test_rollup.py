"""The roll-up: outcomes counted into every scope's statistics, discounted, once (issue 16, part 3)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from agents.learning.bandit import fold
from agents.learning.services.rollup import learning_rollup
from agents.models import GroupLearning, MembershipRole, PlanOutcome, PlanStats, Scope
from tests.support.factories import AgentGroupFactory, MembershipFactory
from tests.support.reasoning import World, run_cycles

pytestmark = pytest.mark.django_db


def pursue(world: World, slug: str, times: int) -> None:
    for _ in range(times):
        world.goal(slug, "sell")
    run_cycles()


def stats(plan, scope: str, scope_id) -> PlanStats:
    return PlanStats.objects.get(plan=plan, scope=scope, scope_id=scope_id)


def test_every_scope_counts_each_outcome_once_however_often_the_rollup_runs(settings):
    world = World("ann", "bob")
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    team = AgentGroupFactory(organization=world.org)
    MembershipFactory(group=team, agent=world.ann)
    MembershipFactory(group=team, agent=world.bob, role=MembershipRole.OBSERVER)
    pursue(world, "ann", 3)
    pursue(world, "bob", 2)
    assert learning_rollup().outcomes == 5
    assert learning_rollup().outcomes == 0
    assert (stats(plan, Scope.AGENT, world.ann.pk).count, stats(plan, Scope.AGENT, world.bob.pk).count) == (3, 2)
    assert stats(plan, Scope.GROUP, team.pk).count == 3  # an observer's outcomes do not pool
    assert stats(plan, Scope.ROLE, world.ann.role_id).count == 3
    # Their roles differ, so do their situations: the organization keeps one row per key.
    by_key = PlanStats.objects.filter(plan=plan, scope=Scope.ORGANIZATION, scope_id=world.org.pk)
    assert sorted(row.count for row in by_key) == [2, 3]
    assert PlanOutcome.objects.filter(rolled_at__isnull=True).count() == 0


def test_the_discount_weighs_recent_outcomes_more(settings):
    settings.LEARNING = {**settings.LEARNING, "DISCOUNT": 0.5}
    world = World("ann")
    [plan, _] = world.plans("@sell +!sell : belief('fail', False) == False <- +sold(true).\n"
                         "@broken +!sell : belief('fail', False) <- .fail(nope).")
    pursue(world, "ann", 2)
    learning_rollup()
    row = stats(plan, Scope.AGENT, world.ann.pk)
    assert (row.successes, row.failures) == (2, 0)
    assert (row.weight_success, row.weight_failure) == pytest.approx(fold(0, 0, [1, 1], 0.5))


def test_a_batch_limit_leaves_the_rest_for_the_next_rollup():
    world = World("ann")
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    pursue(world, "ann", 5)
    assert learning_rollup(limit=2).outcomes == 2
    assert stats(plan, Scope.AGENT, world.ann.pk).count == 2
    assert learning_rollup(limit=10).outcomes == 3
    assert stats(plan, Scope.AGENT, world.ann.pk).count == 5


def test_a_group_that_does_not_share_gets_no_statistics():
    world = World("ann")
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    team = AgentGroupFactory(organization=world.org)
    MembershipFactory(group=team, agent=world.ann)
    GroupLearning.objects.create(group=team, sharing=False)
    pursue(world, "ann", 1)
    learning_rollup()
    assert not PlanStats.objects.filter(scope=Scope.GROUP).exists()
    assert stats(plan, Scope.AGENT, world.ann.pk).count == 1


def test_a_rollup_that_fails_midway_counts_nothing_and_the_next_counts_all(monkeypatch):
    world = World("ann")
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    pursue(world, "ann", 3)

    real = PlanStats.objects.bulk_create

    def written_then_crash(*args, **kwargs):
        real(*args, **kwargs)
        assert PlanStats.objects.exists()  # the statistics were written ...
        raise RuntimeError("... and the worker died before the outcomes were marked")

    monkeypatch.setattr(PlanStats.objects, "bulk_create", written_then_crash)
    with pytest.raises(RuntimeError):
        learning_rollup()
    monkeypatch.undo()
    assert not PlanStats.objects.exists()
    assert learning_rollup().outcomes == 3
    assert stats(plan, Scope.AGENT, world.ann.pk).count == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_rollups_count_each_outcome_once():
    world = World("ann", "bob")
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    for slug in ("ann", "bob"):
        for _ in range(20):
            world.goal(slug, "sell")
    run_cycles()
    counted: list[int] = []
    barrier = threading.Barrier(4)

    def roll() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                counted.append(learning_rollup(limit=7).outcomes)
        finally:
            connection.close()

    threads = [threading.Thread(target=roll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while learning_rollup().outcomes:
        pass
    assert sum(PlanStats.objects.filter(plan=plan, scope=Scope.ORGANIZATION).values_list("count", flat=True)) == 40
    assert stats(plan, Scope.AGENT, world.ann.pk).count == 20
    assert sum(counted) <= 40
