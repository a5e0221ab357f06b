"""Learning with real processes: a worker whose beat runs the roll-up on the ``learning`` queue every 0.3 s
and whose reasoning tasks run the cycle; this test process only adopts goals and reads the database.

An organization on ``thompson`` pursues a goal with two plans, one that always fails; through the worker's
cycle and roll-up alone, the statistics fill and the agent's choices move to the plan that works.
"""

from __future__ import annotations

import pytest

from agents.learning.services.policies import selection_policy_create
from agents.models import PlanOutcome, PlanStats, Scope
from tests.support.actors import SYSTEM
from tests.support.faults import FAST, start_worker_with_beat
from tests.support.reasoning import World
from tests.support.supervision import wait_on

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

LEARNING = {**FAST, "LEARNING_ROLLUP_SECONDS": "0.3", "REASONING_SWEEPER_INTERVAL_SECONDS": "0.2"}


def test_the_workers_cycle_and_rollup_teach_an_agent_which_plan_works(tmp_path, private_redis, quiet):
    world = World("ann")
    world.plans("""
        @risky +!sell <- .fail(lost).
        @steady +!sell <- +sold(true).
    """)
    selection_policy_create(organization=world.org, policy="thompson", by=SYSTEM)
    worker = start_worker_with_beat(tmp_path, "learner", queues="reasoning,learning",
                                    **{**LEARNING, "REDIS_URL": private_redis.url})
    try:
        for trial in range(1, 21):
            world.goal("ann", "sell")
            # One goal at a time, each after the roll-up counted the last: every choice reads fresh statistics.
            wait_on(worker, lambda n=trial: sum(PlanStats.objects.filter(scope=Scope.AGENT, scope_id=world.ann.pk)
                                                .values_list("count", flat=True)) >= n,
                    timeout=30, message=f"the roll-up counting trial {trial}")
    finally:
        worker.stop()
    chosen = list(PlanOutcome.objects.filter(agent=world.ann).order_by("id").values_list("plan__label", flat=True))
    assert len(chosen) == 20
    assert chosen[0] == "risky"  # no experience: source order
    assert chosen[-8:].count("steady") >= 7
