"""Escalation to people, restart types, external agents, dead letters, heartbeats and belief resets, through the
services the beat and the API call."""

from __future__ import annotations

import pytest

from agents.agent.services.lifecycle import agent_stop
from agents.messaging.services.dead_letters import dead_letter
from agents.messaging.services.send import message_send
from agents.models import (
    AgentStatus,
    AgentSupervision,
    ApprovalRequest,
    Belief,
    Delivery,
    SupervisionEvent,
)
from agents.reasoning.approvals.services.decisions import approval_decide
from agents.reasoning.services.beliefs import belief_set
from agents.supervision.services.check import supervision_check
from agents.supervision.services.heartbeats import agent_heartbeat
from agents.supervision.services.policies import policy_create
from mabos.errors import Conflict, InvalidInput
from tests.support.actors import SYSTEM, grant
from tests.support.api import client_for, create_user
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, run_cycles
from tests.support.supervision import back_off_over, failing_team, kinds

pytestmark = pytest.mark.django_db


def escalated_to_operators():
    """A worker whose goal always fails, with one restart allowed, then escalated to the operator role."""
    world = failing_team("worker", intensity=1, escalate_to="role", escalate_role="operator")
    world.goal("worker", "work")
    run_cycles()
    supervision_check()  # the first failure: a restart scheduled
    back_off_over(world.worker)
    supervision_check()  # restarted
    run_cycles()
    supervision_check()  # the second failure: past the intensity
    return world


def test_past_the_intensity_people_of_a_role_are_asked_and_approving_restarts_the_agent(
        django_capture_on_commit_callbacks):
    world = escalated_to_operators()
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    [request] = ApprovalRequest.objects.filter(agent=world.worker)
    assert (request.of, request.intention_id, request.status) == ("operator", None, "pending")
    [escalated] = SupervisionEvent.objects.filter(agent=world.worker, kind="escalated")
    assert escalated.detail["to"] == "people" and escalated.detail["approval"] == str(request.pk)
    person = create_user(roles=("operator",), is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(request=request, by=person, decision="approved")
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.ACTIVE
    assert AgentSupervision.objects.get(agent=world.worker).restarts == []
    assert kinds(world.worker)[-1] == "restarted"


def test_people_approve_an_escalation_through_the_api_and_the_agent_restarts(django_capture_on_commit_callbacks):
    world = escalated_to_operators()
    [request] = ApprovalRequest.objects.filter(agent=world.worker)
    outsider, member = create_user(), create_user(roles=("operator",))
    grant(outsider, world.org, "view")
    grant(member, world.org, "view")
    assert client_for(outsider).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member).post(f"/api/v1/approvals/{request.pk}/approve/", {"comment": "go"},
                                           format="json")
    assert response.status_code == 200, response.content
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.ACTIVE and kinds(world.worker)[-1] == "restarted"
    restarted = SupervisionEvent.objects.filter(agent=world.worker, kind="restarted").latest("id")
    assert restarted.detail["approved_by"] == str(member.pk)


def test_a_temporary_agent_is_never_restarted_its_failure_is_escalated_at_once():
    world = failing_team("worker", restart="temporary")
    world.goal("worker", "work")
    run_cycles()
    supervision_check()
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    assert kinds(world.worker) == ["intentions_failing", "escalated"]


def test_an_external_agent_is_reported_never_restarted():
    world = World("boss")
    outside = AgentFactory(organization=world.org, kind="external", name="Outside")
    policy_create(organization=world.org, by=SYSTEM, failure_threshold=1)
    sent = message_send(organization=world.org, by=SYSTEM, performative="inform", content={"n": 1},
                        sender_agent=world.boss, to=[outside.pk])
    delivery = Delivery.objects.get(message=sent.message, recipient=outside)
    assert dead_letter(delivery_id=delivery.pk, reason="no ack")
    result = supervision_check()
    assert result.signals == 1 and result.restarts_scheduled == 0
    outside.refresh_from_db()
    assert outside.status == AgentStatus.ACTIVE and kinds(outside) == ["dead_letters"]
    assert supervision_check().signals == 0  # counted once


def test_a_heartbeat_is_recorded_and_a_stopped_agents_refused():
    world = World("boss")
    outside = AgentFactory(organization=world.org, kind="external")
    state = agent_heartbeat(agent=outside, status="busy", load=0.5)
    outside.refresh_from_db()
    assert (state.reported_status, state.reported_load) == ("busy", 0.5) and outside.heartbeat_at is not None
    for bad, field in (({"status": "Not OK!"}, "status"), ({"load": -1}, "load"), ({"load": "high"}, "load")):
        with pytest.raises(InvalidInput) as refused:
            agent_heartbeat(agent=outside, **bad)
        assert next(iter(refused.value.fields)) == field
    agent_stop(agent=outside, by=SYSTEM)
    before = outside.heartbeat_at
    with pytest.raises(Conflict):
        agent_heartbeat(agent=outside)
    outside.refresh_from_db()
    assert outside.heartbeat_at == before


def test_a_restart_with_reset_beliefs_goes_back_to_the_roles_starting_beliefs():
    world = failing_team("worker", reset_beliefs=True)
    role = world.worker.role
    role.default_beliefs = [{"key": "mood", "value": "calm", "confidence": 1.0}]
    role.save()
    belief_set(agent=world.worker, key="mood", value="angry", by=SYSTEM)
    belief_set(agent=world.worker, key="grudge", value=True, by=SYSTEM)
    belief_set(agent=world.worker, key="organization.name", value="Acme", by=SYSTEM, source="onboarding")
    world.goal("worker", "work")
    run_cycles()
    supervision_check()
    assert dict(Belief.objects.filter(agent=world.worker).values_list("key", "value")) == {
        "mood": "calm", "organization.name": "Acme"}
