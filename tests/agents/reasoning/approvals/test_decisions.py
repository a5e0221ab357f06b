"""``approval_decide`` against a cycle: it takes the agent's runtime row first, so it waits for a cycle that
holds it and then sees what that cycle committed (here: the gate expired, so the decision is refused)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agents.common.errors import ApprovalClosed
from agents.models import AgentEvent, AgentRuntime, Intention, IntentionStatus
from agents.reasoning.approvals.models import ApprovalStatus
from agents.reasoning.approvals.services import approval_decide
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.api import create_user
from tests.support.approvals import approval_request
from tests.support.polling import wait_until


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
    held, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def cycle() -> None:  # what the cycle's batch does at the deadline: the gate's step fails
        try:
            with transaction.atomic():
                list(AgentRuntime.objects.select_for_update().filter(agent=request.agent))
                held.set()
                release.wait(30)
                Intention.objects.filter(pk=request.intention_id).update(
                    status=IntentionStatus.FAILED, wait=None, wait_until=None, finished_at=timezone.now())
        finally:
            connection.close()

    def decide() -> None:
        try:
            outcome["result"] = approval_decide(request=request, by=person, decision="approved", comment="")
        except Exception as exc:  # the outcome is what the test asserts
            outcome["result"] = exc
        finally:
            connection.close()

    holder = threading.Thread(target=cycle)
    holder.start()
    assert held.wait(30)
    decider = threading.Thread(target=decide)
    decider.start()

    def decision_is_waiting_for_a_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND query LIKE '%%agents_agentruntime%%'")
            return cursor.fetchone()[0] >= 1

    wait_until(decision_is_waiting_for_a_lock, timeout=20, message="the decision waiting for the runtime row")
    assert "result" not in outcome
    release.set()
    holder.join(30)
    decider.join(30)
    assert isinstance(outcome["result"], ApprovalClosed), outcome
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    assert not AgentEvent.objects.filter(kind="approval").exists()
    assert not AuditEvent.objects.filter(target_type="agents.approvalrequest").exists()
