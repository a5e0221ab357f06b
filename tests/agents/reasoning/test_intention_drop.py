"""``intention_drop``: a person ends a live intention; its unfinished goals are dropped; audited last, in one
transaction; the agent's runtime row is locked first, so a drop waits for a cycle that holds the agent."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.common.errors import IntentionNotLive
from agents.models import AgentKind, AgentRuntime, Goal, GoalStatus, Intention, IntentionStatus
from agents.reasoning.intentions.services import intention_drop, intention_goal_ids
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.api import create_user
from tests.support.factories import AgentFactory, GoalFactory
from tests.support.mind import IntentionFactory, frame, plan_version
from tests.support.runtime_race import write_while_a_cycle_holds


@pytest.fixture
def person(db):
    return create_user(roles=("operator",))


@pytest.mark.django_db
def test_a_running_intention_is_dropped_with_its_unfinished_goals(agent, person):
    version = plan_version(agent.organization)
    root, sub, tail = GoalFactory(agent=agent), GoalFactory(agent=agent), GoalFactory(agent=agent)
    done = GoalFactory(agent=agent, status=GoalStatus.ACHIEVED)
    elsewhere = GoalFactory()  # another agent's goal named in a frame (a frame is read, never trusted)
    intention = IntentionFactory(agent=agent, goal=root, wait_until=timezone.now(), stack=[
        frame(version, goal=root.pk), frame(version, goal=sub.pk, goals=[tail.pk, done.pk, elsewhere.pk, "junk"])])

    dropped = intention_drop(intention=intention, by=person, reason="the plan is wrong")

    intention.refresh_from_db()
    assert intention.status == dropped.status == IntentionStatus.DROPPED
    assert intention.finished_at is not None and intention.wait_until is None
    statuses = dict(Goal.objects.values_list("pk", "status"))
    assert [statuses[g.pk] for g in (root, sub, tail)] == [GoalStatus.DROPPED] * 3
    assert statuses[done.pk] == GoalStatus.ACHIEVED and statuses[elsewhere.pk] == GoalStatus.PENDING
    event = AuditEvent.objects.get(target_type="agents.intention", target_id=str(intention.pk))
    assert event.action == "update" and event.actor_id == str(person.pk) and event.note == "the plan is wrong"
    assert event.changes["status"] == ["running", "dropped"]
    assert event.changes["goals"] == [{str(g.pk): "pending" for g in (root, sub, tail)},
                                      {str(g.pk): "dropped" for g in (root, sub, tail)}]


@pytest.mark.django_db
def test_a_waiting_intention_may_be_dropped_and_a_finished_one_is_a_409_writing_nothing(agent, person):
    waiting = IntentionFactory(agent=agent, status=IntentionStatus.WAITING, wait={"event": {"kind": "timer"}})
    assert intention_drop(intention=waiting, by=person).status == IntentionStatus.DROPPED
    for status in (IntentionStatus.ACHIEVED, IntentionStatus.FAILED, IntentionStatus.DROPPED):
        goal = GoalFactory(agent=agent)
        ended = IntentionFactory(agent=agent, status=status, goal=goal)
        before = AuditEvent.objects.count()
        with pytest.raises(IntentionNotLive) as excinfo:
            intention_drop(intention=ended, by=person)
        assert excinfo.value.code == "intention_not_live" and excinfo.value.fields["status"]
        assert f"is {status}" in excinfo.value.detail
        assert AuditEvent.objects.count() == before
        goal.refresh_from_db()
        assert goal.status == GoalStatus.PENDING


@pytest.mark.django_db
def test_a_bad_reason_is_a_400_naming_it_and_nothing_is_written(agent, person):
    intention = IntentionFactory(agent=agent)
    with pytest.raises(InvalidInput) as excinfo:
        intention_drop(intention=intention, by=person, reason="bad\x00reason")
    assert "reason" in excinfo.value.fields
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.RUNNING and not AuditEvent.objects.filter(
        target_type="agents.intention").exists()


@pytest.mark.django_db
def test_the_locks_go_runtime_intention_goals_then_the_audit_chain(agent, person):
    goal = GoalFactory(agent=agent)
    intention = IntentionFactory(agent=agent, goal=goal)
    with CaptureQueriesContext(connection) as queries:
        intention_drop(intention=intention, by=person)
    sql = [q["sql"] for q in queries.captured_queries]

    def first(predicate) -> int:
        return next(i for i, text in enumerate(sql) if predicate(text))

    runtime = first(lambda s: "agents_agentruntime" in s and "FOR UPDATE" in s)
    locked = first(lambda s: 'FROM "agents_intention"' in s and "FOR UPDATE" in s)
    goals = first(lambda s: s.startswith('UPDATE "agents_goal"'))
    audit = first(lambda s: "auditlog_auditevent" in s or "advisory" in s)
    assert runtime < locked < goals < audit, sql


@pytest.mark.django_db
def test_an_external_agent_has_no_runtime_row_and_its_intention_still_drops(person):
    external = AgentFactory(kind=AgentKind.EXTERNAL)
    assert not AgentRuntime.objects.filter(agent=external).exists()
    assert intention_drop(intention=IntentionFactory(agent=external), by=person).status == IntentionStatus.DROPPED


def test_the_goals_of_an_intention_are_read_from_its_frames_once_each():
    one, two = uuid.uuid4(), uuid.uuid4()
    intention = Intention(goal_id=one, stack=[{"goal": str(one)}, {"goal": None, "goals": [str(two), "x", 3]},
                                              "not a frame", {"goals": "not a list"}])
    assert intention_goal_ids(intention) == [one, two]
    assert intention_goal_ids(Intention(stack="garbage")) == []


@pytest.mark.django_db(transaction=True)
def test_a_drop_waits_for_a_cycle_holding_the_agent_and_sees_what_it_committed():
    """The cycle holds the runtime row for its whole transaction; a drop started meanwhile waits for it, then
    reads the intention as the cycle left it (here: achieved, so the drop is refused)."""
    agent = AgentFactory()
    intention = IntentionFactory(agent=agent)
    person = create_user()

    def achieved() -> None:
        Intention.objects.filter(pk=intention.pk).update(status=IntentionStatus.ACHIEVED, finished_at=timezone.now())

    result = write_while_a_cycle_holds(agent, cycle_commits=achieved,
                                       write=lambda: intention_drop(intention=intention, by=person))
    assert isinstance(result, IntentionNotLive), result
    assert "is achieved" in result.detail
    assert not AuditEvent.objects.filter(target_type="agents.intention").exists()
