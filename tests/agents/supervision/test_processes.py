"""Supervision with real processes (issue 15 part 7): a worker whose beat runs ``agents.check_supervision``
every 0.3 s, its own Redis, and this test process posting no wake-up (``quiet``): the worker's sweeper finds
what the test adopts, and the suite's shared worker never reasons these agents.

- a plan that keeps failing (its action fails for good) is restarted with a doubling back-off, then escalated
  to its group's leader as an ACL ``failure``, within twice the heartbeat timeout of its first failure;
- ``one_for_all`` restarts every member of a five-agent group, ``rest_for_one`` the failed member and those
  that joined after it; each restarted agent's live intention is dropped (``restarted``) and it is active
  again with its role's starting goal;
- an external agent that stops beating while mail waits for it is flagged once per spell.
"""

from __future__ import annotations

import datetime
import uuid

import pytest

from agents.agent.models import Agent
from agents.messaging.services.outbox import message_insert
from agents.models import (
    AgentEvent,
    AgentStatus,
    AgentSupervision,
    Intention,
    IntentionStatus,
    Message,
    SupervisionEvent,
)
from agents.supervision.services.heartbeats import agent_heartbeat
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.reasoning import World
from tests.support.supervision import (
    checks_run,
    default_goals_set,
    events_of,
    kinds,
    start_supervising_worker,
    team_create,
    wait_on,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

HEARTBEAT_TIMEOUT = 10
POLICY = {"failure_threshold": 1, "intensity": 2, "period_seconds": 60, "backoff_min_seconds": 0.2,
          "backoff_max_seconds": 2.0, "backoff_jitter": 0.0, "heartbeat_timeout_seconds": HEARTBEAT_TIMEOUT}


def test_an_agent_whose_action_always_fails_is_restarted_with_growing_backoff_then_escalated_to_its_leader(
        tmp_path, private_redis, quiet):
    world = World("boss", "worker")
    world.plans('+!work <- .action(tests.flaky, {"fail": 1000, "permanent": true}, R); +worked(R).')
    default_goals_set(world, {"worker": ["work"]})
    team_create(world, "boss", ["worker"], strategy="one_for_one", **POLICY)
    worker = start_supervising_worker(tmp_path, private_redis.url)
    try:
        world.goal("worker", "work")
        escalated = wait_on(worker, lambda: events_of(world.worker, "escalated"), timeout=40, interval=0.1,
                            message="the agent escalated")[0]
        failure = Message.objects.get(performative="failure", deliveries__recipient=world.boss)
        # The leader is told through its inbox: the notice is delivered and reaches its cycle as an event.
        wait_on(worker, lambda: AgentEvent.objects.filter(agent=world.boss, message=failure).exists(), timeout=20,
                message="the failure notice handed to the leader")
    finally:
        worker.stop()
    assert kinds(world.worker) == ["intentions_failing", "restart_scheduled", "restarted"] * 2 + [
        "intentions_failing", "escalated"]
    backoffs = [event.detail["backoff_seconds"] for event in events_of(world.worker, "restart_scheduled")]
    assert backoffs == [0.2, 0.4]
    failed = list(Intention.objects.filter(agent=world.worker).order_by("finished_at")
                  .values_list("status", "error", "finished_at"))
    assert [(status, error["error"]) for status, error, _ in failed] == [("failed", "action_failed")] * 3
    first_failure = failed[0][2]
    assert escalated.at - first_failure <= datetime.timedelta(seconds=2 * HEARTBEAT_TIMEOUT)
    # Each restart waited at least its back-off after the failure that scheduled it.
    scheduled = events_of(world.worker, "restart_scheduled")
    restarted = events_of(world.worker, "restarted")
    for plan, done in zip(scheduled, restarted, strict=True):
        assert done.at - plan.at >= datetime.timedelta(seconds=plan.detail["backoff_seconds"])
    assert failure.content["agent"] == str(world.worker.pk) and failure.sender_agent_id is None
    assert escalated.detail["to"] == "agent" and escalated.detail["agent"] == str(world.boss.pk)
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    assert AgentSupervision.objects.get(agent=world.worker).restart_at is None


GROUPS = {"one_for_all": ("l1", ["a1", "a2", "a3", "a4"]), "rest_for_one": ("l2", ["r1", "r2", "r3", "r4"])}


def test_one_for_all_restarts_every_member_and_rest_for_one_the_failed_one_and_those_that_joined_after_it(
        tmp_path, private_redis, quiet):
    slugs = [slug for leader, members in GROUPS.values() for slug in (leader, *members)]
    world = World(*slugs)
    world.plans("+!idle <- .wait(3600).\n+!crash <- .fail.")
    default_goals_set(world, {slug: ["idle"] for slug in slugs})
    for strategy, (leader, members) in GROUPS.items():
        team_create(world, leader, members, strategy=strategy, **POLICY)
    worker = start_supervising_worker(tmp_path, private_redis.url)
    try:
        for slug in slugs:
            world.goal(slug, "idle")
        wait_on(worker, lambda: Intention.objects.filter(agent__organization=world.org, status="waiting").count()
                == len(slugs), timeout=30, message="every agent waiting in its idle intention")
        before = dict(Intention.objects.filter(agent__organization=world.org).values_list("agent_id", "pk"))
        # The second member of each group fails (once: its starting goal is only the idle one).
        world.goal("a2", "crash")
        world.goal("r2", "crash")
        restarted = {world.agents[slug].pk for slug in ("l1", "a1", "a2", "a3", "a4", "r2", "r3", "r4")}

        def all_back() -> bool:
            done = set(SupervisionEvent.objects.filter(kind="restarted").values_list("agent_id", flat=True))
            waiting = set(Intention.objects.filter(agent_id__in=restarted, status="waiting")
                          .exclude(pk__in=before.values()).values_list("agent_id", flat=True))
            return done == restarted and waiting == restarted

        wait_on(worker, all_back, timeout=30, message="the restarted agents active and idle again")
    finally:
        worker.stop()
    scheduled = {}
    for event in SupervisionEvent.objects.filter(kind="restart_scheduled"):
        assert event.agent_id not in scheduled, f"two restarts scheduled for {event.agent_id}"
        scheduled[event.agent_id] = event.detail["cause"]
    causes = {**{world.agents[slug].pk: str(world.a2.pk) for slug in ("l1", "a1", "a2", "a3", "a4")},
              **{world.agents[slug].pk: str(world.r2.pk) for slug in ("r2", "r3", "r4")}}
    assert scheduled == causes
    for slug in slugs:
        agent = Agent.objects.get(pk=world.agents[slug].pk)
        assert agent.status == AgentStatus.ACTIVE, slug
        first = Intention.objects.get(pk=before[agent.pk])
        if agent.pk in restarted:
            assert first.status == IntentionStatus.DROPPED and first.error["error"] == "restarted", slug
        else:
            assert first.status == IntentionStatus.WAITING and not events_of(agent), slug


def test_an_external_agent_silent_while_mail_waits_is_flagged_once_per_spell(tmp_path, private_redis, quiet):
    world = World("boss")
    outsider = AgentFactory(organization=world.org, role=world.boss.role, slug="outsider", kind="external")
    # As silent, but nothing waits for it: not flagged (a silent agent nobody needs is not failing).
    idle = AgentFactory(organization=world.org, role=world.boss.role, slug="idle", kind="external")
    policy_create(organization=world.org, by=SYSTEM, heartbeat_timeout_seconds=1, failure_threshold=1)
    message_insert(organization=world.org, sender_agent=world.boss, sender_user=None, performative="inform",
                   content={"hello": 1}, recipient_ids=[outsider.pk], conversation_id=uuid.uuid4())
    worker = start_supervising_worker(tmp_path, private_redis.url)
    try:
        [first] = wait_on(worker, lambda: events_of(outsider, "heartbeat_stale"), timeout=30,
                          message="the silent external agent flagged")
        # Once per spell: several more checks run and flag nothing new.
        checks_run(worker, world.boss, 4)
        assert len(events_of(outsider, "heartbeat_stale")) == 1
        assert AgentSupervision.objects.get(agent=outsider).stale_since is not None
        # A heartbeat ends the spell at once; a new silence of the timeout is flagged again.
        agent_heartbeat(agent=outsider, status="ok")
        beat_at = Agent.objects.get(pk=outsider.pk).heartbeat_at
        assert AgentSupervision.objects.get(agent=outsider).stale_since is None
        stale = wait_on(worker, lambda: events_of(outsider, "heartbeat_stale")[1:], timeout=30,
                        message="the second silence flagged")
        checks_run(worker, world.boss, 4)
    finally:
        worker.stop()
    events = events_of(outsider, "heartbeat_stale")
    assert len(events) == 2 and stale == events[1:]
    assert events[1].at - beat_at >= datetime.timedelta(seconds=1)
    assert first.detail["deliveries_waiting"] == 1 and first.detail["timeout_seconds"] == 1
    # An external agent is never restarted by MABOS: its signals are reported only.
    assert kinds(outsider) == ["heartbeat_stale", "heartbeat_stale"]
    outsider.refresh_from_db()
    assert outsider.status == AgentStatus.ACTIVE
    assert events_of(idle) == []
