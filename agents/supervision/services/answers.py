"""People's answer to an escalation: approving the approval request restarts the agent (``approvals`` hook).

Registered with ``agents.reasoning.approvals.hooks`` and called after the decision commits, in a transaction of
its own, in the check's lock order (supervision row, agent row). A rejection, or an expiry, leaves the agent
``failed``; so does an approval for an agent a person has meanwhile restarted or stopped (nothing to do).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.agent.models import Agent
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.supervision.metrics import event_counted
from agents.supervision.models import AgentSupervision, SupervisionEvent, SupervisionEventKind
from agents.supervision.services.restarts import ESCALATION_APPROVAL, agent_restart_now


def escalation_answered(request_id: Any, name: str, decision: str, by: Any) -> None:
    if name != ESCALATION_APPROVAL or decision != ApprovalStatus.APPROVED:
        return
    with transaction.atomic():
        agent_id = ApprovalRequest.objects.filter(pk=request_id).values_list("agent_id", flat=True).first()
        if agent_id is None:
            return
        AgentSupervision.objects.bulk_create([AgentSupervision(agent_id=agent_id)], ignore_conflicts=True)
        state = AgentSupervision.objects.select_for_update().get(agent_id=agent_id)
        agent = Agent.objects.select_for_update(of=("self",)).select_related("role").filter(pk=agent_id).first()
        if agent is None:
            return
        now = timezone.now()
        adopted = agent_restart_now(agent=agent, now=now, by=by, reason="supervision: restart approved")
        if adopted is None:
            return
        state.restarts, state.restart_at, state.escalated_at, state.signals_since = [], None, None, now
        state.save()
        detail = {"approval": str(request_id), "approved_by": str(getattr(by, "pk", "") or ""),
                  "goals_adopted": adopted}
        SupervisionEvent.objects.create(organization_id=agent.organization_id, agent=agent,
                                        kind=SupervisionEventKind.RESTARTED, detail=detail)
        event_counted(kind=SupervisionEventKind.RESTARTED, policy=None, detail=detail)  # /metrics, on commit
