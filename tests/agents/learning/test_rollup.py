"""The roll-up: outcomes counted into every scope's statistics, discounted, once (issue 16, part 3)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from agents.learning.bandit import tally_at
from agents.learning.services.rollup import learning_rollup
from agents.models import GroupLearning, MembershipRole, PlanOutcome, PlanStats, Scope
from tests.support.factories import AgentGroupFactory, MembershipFactory
from tests.support.learning import clock_back
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


def test_weights_halve_with_the_half_life_and_a_group_minus_a_member_is_the_rest_exactly(settings):
    settings.LEARNING = {**settings.LEARNING, "HALF_LIFE_SECONDS": 3600.0}
    world = World("ann", "bob")
    world.bob.role = world.ann.role
    world.bob.save(update_fields=["role"])
    [plan] = world.plans("@sell +!sell <- +sold(true).")
    team = AgentGroupFactory(organization=world.org)
    MembershipFactory(group=team, agent=world.ann)
    MembershipFactory(group=team, agent=world.bob)
    for slug, hours in (("ann", 2), ("bob", 1), ("bob", 1), ("ann", 0)):
        with clock_back(hours):
            world.goal(slug, "sell")
            run_cycles()
        learning_rollup()
    times = {agent: [o.created_at.timestamp() for o in PlanOutcome.objects.filter(agent=agent)]
             for agent in (world.ann, world.bob)}
    last = max(times[world.ann])

    def weight(at: list[float]) -> float:
        return sum(0.5 ** ((last - t) / 3600) for t in at)

    ann, team_row = stats(plan, Scope.AGENT, world.ann.pk), stats(plan, Scope.GROUP, team.pk)
    assert (ann.count, ann.successes, team_row.count) == (2, 2, 4)
    assert ann.weight_success == pytest.approx(weight(times[world.ann])) == pytest.approx(1.25, abs=0.01)
    assert team_row.weight_success == pytest.approx(weight(times[world.ann] + times[world.bob]))
    assert ann.weighed_at.timestamp() == team_row.weighed_at.timestamp() == last
    beyond = tally_at(team_row.weight_success, 0, 4, last, last, 3600).beyond(
        tally_at(ann.weight_success, 0, 2, last, last, 3600))
    assert beyond.successes == pytest.approx(weight(times[world.bob]))  # exactly bob's share, about 1
    later = tally_at(ann.weight_success, ann.weight_failure, ann.count, last, last + 3600, 3600)
    assert later.successes == pytest.approx(ann.weight_success / 2)


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
    # What the roll-ups share: 40 outcomes (a shortfall here is the cycles', not the roll-ups').
    assert PlanOutcome.objects.filter(plan=plan, rolled_at__isnull=True).count() == 40
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
