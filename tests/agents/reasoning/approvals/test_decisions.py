"""``approval_decide`` against a cycle: it takes the agent's runtime row first, so it waits for a cycle that
holds it and then sees what that cycle committed (here: the gate expired, so the decision is refused)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from agents.common.errors import ApprovalClosed
from agents.models import AgentEvent, Intention, IntentionStatus
from agents.reasoning.approvals.models import ApprovalStatus
from agents.reasoning.approvals.services import approval_decide
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.runtime_race import write_while_a_cycle_holds


@pytest.mark.django_db
def test_a_decision_other_than_approved_or_rejected_is_a_400_naming_it():
    request = approval_request()
    with pytest.raises(InvalidInput) as refused:
        approval_decide(request=request, by=create_user(), decision="expired")
    assert "decision" in refused.value.fields
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_decision_waits_for_a_cycle_holding_the_agent_and_sees_what_it_committed():
    request = approval_request()
    person = create_user()

    def gate_failed_at_the_deadline() -> None:  # what the cycle's batch does at the deadline: the step fails
        Intention.objects.filter(pk=request.intention_id).update(
            status=IntentionStatus.FAILED, wait=None, wait_until=None, finished_at=timezone.now())

    result = write_while_a_cycle_holds(
        request.agent, cycle_commits=gate_failed_at_the_deadline,
        write=lambda: approval_decide(request=request, by=person, decision="approved", comment=""))
    assert isinstance(result, ApprovalClosed), result
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not AgentEvent.objects.filter(kind="approval").exists()
    assert not AuditEvent.objects.filter(target_type="agents.approvalrequest").exists()
