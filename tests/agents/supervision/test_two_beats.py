"""Two beats started by mistake (issue 15 part 7; agents/supervision/services/check.py): checks that overlap,
each in its own database session, restart every failed agent once.

The last test is the mistake itself: two workers, each with its beat, on one Redis, reasoning 40 agents whose
plan fails (checks every 0.3 s from each beat, on four pool processes).

Four threads (four sessions, as four worker processes would have) start their checks together, round after
round, over 100 failed agents of a ``one_for_one`` default policy and 50 of ten ``one_for_all`` groups whose
members all failed; the back-off is short, so the same rounds then make the restarts. Each failure schedules
exactly one restart per agent, each agent is restarted once, and no restart is written twice.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from agents.agent.models import Agent
from agents.agent.services.groups import group_create, membership_add
from agents.models import AgentStatus, AgentSupervision, Intention, SupervisionEvent
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM
from tests.support.crowd import crowd_create
from tests.support.polling import wait_until
from tests.support.reasoning import run_cycles
from tests.support.supervision import checks_run, start_supervising_worker, wait_on

pytestmark = pytest.mark.django_db(transaction=True)

FAILING = "+!work(N) <- .fail.\n"
BEATS = 4
POLICY = {"failure_threshold": 1, "intensity": 5, "backoff_min_seconds": 0.2, "backoff_max_seconds": 1.0,
          "backoff_jitter": 0.0}


def overlapping_checks(rounds: int) -> Counter:
    """``rounds`` rounds of ``BEATS`` checks started together, each thread with its own session."""
    gate = threading.Barrier(BEATS)
    totals: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def beat() -> None:
        try:
            for _ in range(rounds):
                gate.wait(30)
                result = supervision_check()
                with lock:
                    totals.update(result.as_dict())
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)
            gate.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(BEATS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return totals


def test_overlapping_checks_schedule_and_make_each_restart_once(quiet):
    alone = crowd_create(100, plan=FAILING)
    policy_create(organization=alone.world.org, by=SYSTEM, **POLICY)
    grouped = crowd_create(50, plan=FAILING)
    members = grouped.agent_ids
    for index in range(10):
        team = group_create(organization=grouped.world.org, name=f"Team {index}", by=SYSTEM)
        for position, agent_id in enumerate(members[index * 5:index * 5 + 5]):
            membership_add(group=team, agent=Agent.objects.get(pk=agent_id), by=SYSTEM,
                           role="leader" if position == 0 else "member")
        policy_create(organization=grouped.world.org, group=team, strategy="one_for_all", by=SYSTEM,
                      **POLICY)
    run_cycles(limit=200)
    everyone = alone.agent_ids + members
    assert Intention.objects.filter(agent_id__in=everyone, status="failed").count() == len(everyone)

    totals = overlapping_checks(rounds=3)
    scheduled = Counter(SupervisionEvent.objects.filter(kind="restart_scheduled").values_list("agent_id", flat=True))
    assert scheduled == Counter({pk: 1 for pk in everyone}), "a restart scheduled twice, or never"
    assert totals["restarts_scheduled"] == len(everyone)
    assert totals["skipped"] > 0, "the checks never met on an agent: nothing was tested"
    failing = Counter(SupervisionEvent.objects.filter(kind="intentions_failing").values_list("agent_id", flat=True))
    assert all(failing[pk] == 1 for pk in alone.agent_ids)
    assert max(failing[pk] for pk in members) == 1
    # In a group, one member's failure stops all five: the others' own failures find them stopped already.
    causes = dict(SupervisionEvent.objects.filter(kind="restart_scheduled", agent_id__in=members)
                  .values_list("agent_id", "detail__cause"))
    for index in range(10):
        team = {str(pk) for pk in members[index * 5:index * 5 + 5]}
        team_causes = {causes[pk] for pk in members[index * 5:index * 5 + 5]}
        assert team_causes <= team and all(failing[uuid.UUID(cause)] == 1 for cause in team_causes)

    # The back-off (0.2 s) runs out; the same overlapping checks make each restart once.
    def all_restarted() -> bool:
        overlapping_checks(rounds=1)
        return SupervisionEvent.objects.filter(kind="restarted").count() >= len(everyone)

    wait_until(all_restarted, timeout=60, interval=0.05, message="every agent restarted")
    restarted = Counter(SupervisionEvent.objects.filter(kind="restarted").values_list("agent_id", flat=True))
    assert restarted == Counter({pk: 1 for pk in everyone})
    assert Agent.objects.filter(pk__in=everyone, status=AgentStatus.ACTIVE).count() == len(everyone)
    restarts = dict(AgentSupervision.objects.filter(agent_id__in=everyone).values_list("agent_id", "restarts"))
    assert all(len(restarts[pk]) == 1 for pk in alone.agent_ids)
    assert all(len(times) == len(set(times)) <= 1 for times in restarts.values())
    assert not AgentSupervision.objects.filter(agent_id__in=everyone, restart_at__isnull=False).exists()


@pytest.mark.processes
def test_two_workers_each_with_a_beat_restart_each_failed_agent_once(tmp_path, private_redis, quiet):
    crowd = crowd_create(40, plan=FAILING)
    policy_create(organization=crowd.world.org, by=SYSTEM, **POLICY)
    workers = [start_supervising_worker(tmp_path, private_redis.url, name) for name in ("beat1", "beat2")]
    try:
        wait_on(workers[0], lambda: SupervisionEvent.objects.filter(kind="restarted").count() >= crowd.size
                and workers[1].alive(), timeout=60, message="every failed agent restarted")
        # The restarted agents are left for a few more checks of both beats: nothing more happens to them.
        for worker in workers:
            checks_run(worker, crowd.world.boss, 3)
    finally:
        for worker in workers:
            worker.stop()
    for kind in ("intentions_failing", "restart_scheduled", "restarted"):
        counted = Counter(SupervisionEvent.objects.filter(kind=kind).values_list("agent_id", flat=True))
        assert counted == Counter({pk: 1 for pk in crowd.agent_ids}), kind
    restarts = dict(AgentSupervision.objects.filter(agent_id__in=crowd.agent_ids).values_list("agent_id", "restarts"))
    assert all(len(times) == 1 for times in restarts.values()) and len(restarts) == crowd.size
    assert Agent.objects.filter(pk__in=crowd.agent_ids, status=AgentStatus.ACTIVE).count() == crowd.size
