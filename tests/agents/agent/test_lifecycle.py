"""Status changes: only the legal transitions, one function, audited, with optimistic concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from agents.agent.services.agents import agent_update
from agents.agent.services.lifecycle import agent_pause, agent_restart, agent_resume, agent_stop, agent_transition
from agents.common.errors import InvalidTransition, StaleVersion
from agents.models import TRANSITIONS, Agent, AgentStatus
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_transition_table():
    assert {
        "active": {"paused", "stopped", "failed"},
        "paused": {"active", "stopped", "failed"},
        "stopped": {"active"},
        "failed": {"active", "stopped"},
    } == TRANSITIONS


def test_pause_resume_restart_are_audited_and_bump_the_version(agent):
    agent_pause(agent=agent, by=SYSTEM, reason="maintenance")
    assert agent.status == AgentStatus.PAUSED and agent.version == 2
    agent_resume(agent=agent, by=SYSTEM)
    agent_stop(agent=agent, by=SYSTEM)
    agent_restart(agent=agent, by=SYSTEM)
    agent.refresh_from_db()
    assert (agent.status, agent.version) == (AgentStatus.ACTIVE, 5)
    events = AuditEvent.objects.filter(target_id=str(agent.pk), action="update").order_by("seq")
    assert [e.changes["status"] for e in events] == [
        ["active", "paused"], ["paused", "active"], ["active", "stopped"], ["stopped", "active"]]
    assert events[0].note == "maintenance"


@pytest.mark.parametrize(("status", "action"), [
    ("paused", "pause"), ("active", "resume"), ("stopped", "resume"), ("active", "restart"),
    ("paused", "restart"), ("stopped", "pause"), ("stopped", "fail"), ("stopped", "stop")])
def test_illegal_transitions_are_refused(status, action):
    agent = AgentFactory(status=status)
    with pytest.raises(InvalidTransition) as info:
        agent_transition(agent=agent, action=action, by=SYSTEM)
    assert "status" in info.value.fields
    agent.refresh_from_db()
    assert agent.status == status and agent.version == 1
    assert not AuditEvent.objects.filter(target_id=str(agent.pk)).exists()


def test_stale_expected_version_is_a_conflict(agent):
    agent_pause(agent=agent, by=SYSTEM)
    with pytest.raises(StaleVersion) as info:
        agent_resume(agent=agent, by=SYSTEM, expected_version=1)
    assert info.value.fields.keys() == {"version"}


def _race(calls):
    """Run the calls at the same moment in real threads; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_updates_the_second_gets_a_conflict():
    agent = AgentFactory()
    first, second = Agent.objects.get(pk=agent.pk), Agent.objects.get(pk=agent.pk)
    results = _race([
        lambda: agent_update(agent=first, by=SYSTEM, expected_version=1, name="Alpha"),
        lambda: agent_update(agent=second, by=SYSTEM, expected_version=1, name="Beta"),
    ])
    conflicts = [r for r in results if isinstance(r, StaleVersion)]
    winners = [r for r in results if isinstance(r, Agent)]
    assert len(conflicts) == 1 and len(winners) == 1, results
    agent.refresh_from_db()
    assert agent.version == 2 and agent.name == winners[0].name


@pytest.mark.django_db(transaction=True)
def test_concurrent_lifecycle_actions_on_one_version_one_wins():
    agent = AgentFactory()
    results = _race([
        lambda: agent_pause(agent=Agent.objects.get(pk=agent.pk), by=SYSTEM, expected_version=1),
        lambda: agent_stop(agent=Agent.objects.get(pk=agent.pk), by=SYSTEM, expected_version=1),
    ])
    assert sorted(type(r).__name__ for r in results) == ["Agent", "StaleVersion"], results
