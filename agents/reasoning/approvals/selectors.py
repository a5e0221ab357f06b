"""Reads of approval requests that depend on who asks: the requests of agents the caller may view."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, QuerySet, Window

from agents.agent.access import agents_for
from agents.common.selectors import get_visible
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.trace.models import CycleTrace


def approval_list(*, user: Any) -> QuerySet[ApprovalRequest]:
    """Newest first, with each request's agent, organization and decider (one query for a page)."""
    return (ApprovalRequest.objects.filter(agent_id__in=agents_for(user).values("pk"))
            .select_related("agent", "agent__organization", "decided_by").order_by("-created_at", "id"))


def approval_get(*, user: Any, pk: Any) -> ApprovalRequest:
    return get_visible(approval_list(user=user), "approval request", pk=pk)


def approval_pending_latest(*, user: Any, limit: int = 10) -> tuple[list[ApprovalRequest], int]:
    """The dashboard's waiting approvals: the ``limit`` whose deadline comes first, of agents ``user`` may view,
    and how many are pending in all. One query (the total is a window count over the same rows)."""
    rows = list(approval_list(user=user).filter(status=ApprovalStatus.PENDING)
                .annotate(pending_total=Window(Count("pk"))).order_by("deadline", "id")[:limit])
    return rows, (rows[0].pending_total if rows else 0)


def approval_traces(*, request: ApprovalRequest, limit: int = 10) -> list[CycleTrace]:
    """The agent's cycles up to the one that asked (its reason, in the trace's words), newest first. The
    cycle's time is the claim's, a moment before the row's insert: a second's margin covers clock steps."""
    until = request.created_at + datetime.timedelta(seconds=1)
    return list(CycleTrace.objects.filter(agent_id=request.agent_id, at__lte=until).order_by("-at", "-id")[:limit])
