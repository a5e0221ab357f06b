"""Reads of supervision that depend on who asks: policies, the event log, one agent's health.

Policies and events are the organization's: a caller sees those of organizations (events: of agents) they may
view; missing and not-allowed are both a 404. ``agent_health`` takes an agent the caller was already allowed
to view (``agents.agent.access.agent_for``) and assembles everything supervision knows of it in a fixed number
of queries.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from agents.agent.access import agents_for
from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.common.selectors import get_visible
from agents.messaging.models import Delivery
from agents.organization.access import organizations_for
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.runtime.models import AgentRuntime
from agents.supervision.models import AgentSupervision, SupervisionEvent, SupervisorPolicy
from agents.supervision.scope import policies_of
from agents.supervision.services.restarts import restarted_within
from agents.supervision.services.signals import OWED

#: How many of its latest supervision events an agent's health shows.
HEALTH_EVENTS = 10


def policy_list(*, user: Any) -> QuerySet[SupervisorPolicy]:
    """The policies of organizations ``user`` may view, by organization then group (the default first)."""
    return (SupervisorPolicy.objects.filter(organization_id__in=organizations_for(user).values("pk"))
            .select_related("organization", "group", "escalate_agent")
            .order_by("organization__name", "organization_id", "group__name", "id"))


def policy_get(*, user: Any, pk: Any) -> SupervisorPolicy:
    return get_visible(policy_list(user=user), "supervisor policy", pk=pk)


def supervision_event_list(*, user: Any) -> QuerySet[SupervisionEvent]:
    """Events of the agents ``user`` may view, newest first, with each event's agent (one query for a page)."""
    return (SupervisionEvent.objects.filter(agent_id__in=agents_for(user).values("pk"))
            .select_related("agent", "organization", "policy").order_by("-id"))


def supervision_event_get(*, user: Any, pk: Any) -> SupervisionEvent:
    return get_visible(supervision_event_list(user=user), "supervision event", pk=pk)


def _stale(agent_row: dict[str, Any], runtime: AgentRuntime | None, heartbeat_at: datetime.datetime | None,
           policy: SupervisorPolicy | None, now: datetime.datetime) -> bool:
    """Silent for longer than the policy's heartbeat timeout while it should have been heard from.

    An external agent should beat always (never heard from: counted from its creation); an internal one only
    while it is due for a cycle (an idle agent has nothing to do, so no cycle and no heartbeat). Only a running
    (active) agent with a policy can be stale: a paused or stopped one is not expected to beat.
    """
    if policy is None or agent_row["status"] != AgentStatus.ACTIVE:
        return False
    limit = now - datetime.timedelta(seconds=policy.heartbeat_timeout_seconds)
    if agent_row["kind"] == AgentKind.EXTERNAL:
        return (heartbeat_at or agent_row["created_at"]) <= limit
    if runtime is None or runtime.wake_at is None or runtime.wake_at > limit:
        return False
    return heartbeat_at is None or heartbeat_at <= limit


def agent_health(*, agent: Agent, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What supervision knows of ``agent`` (one the caller may view): its heartbeat, policy, restarts, failures,
    what it reported of itself, what waits for it, and its latest events. Read fresh from the database: the
    agent an agent key carries may come from the key cache."""
    now = now or timezone.now()
    row = (Agent.objects.filter(pk=agent.pk).values("kind", "status", "heartbeat_at", "created_at").first()
           or {"kind": agent.kind, "status": agent.status, "heartbeat_at": agent.heartbeat_at,
               "created_at": agent.created_at})
    internal = row["kind"] == AgentKind.INTERNAL
    runtime = AgentRuntime.objects.filter(agent_id=agent.pk).first() if internal else None
    heartbeat_at = (runtime.heartbeat_at if runtime else None) if internal else row["heartbeat_at"]
    policy = policies_of([agent.pk]).get(agent.pk)
    state = AgentSupervision.objects.filter(agent_id=agent.pk).first()
    restarts = list(state.restarts) if state else []
    if policy is not None:
        restarts = restarted_within(restarts, now=now, period_seconds=policy.period_seconds)
    events = list(SupervisionEvent.objects.filter(agent_id=agent.pk).select_related("agent")
                  .order_by("-id")[:HEALTH_EVENTS])
    return {
        "agent": agent.pk,
        "kind": row["kind"],
        "status": row["status"],
        "heartbeat_at": heartbeat_at,
        "heartbeat_age_seconds": (now - heartbeat_at).total_seconds() if heartbeat_at else None,
        "stale": _stale(row, runtime, heartbeat_at, policy, now),
        "policy": None if policy is None else {
            "id": policy.pk, "group": policy.group_id, "strategy": policy.strategy, "intensity": policy.intensity,
            "period_seconds": policy.period_seconds, "heartbeat_timeout_seconds": policy.heartbeat_timeout_seconds},
        "restarts_in_period": len(restarts),
        "restart_at": state.restart_at if state else None,
        "backoff_seconds": state.backoff_seconds if state else 0.0,
        "last_failure": state.last_failure if state else None,
        "last_failure_at": state.last_failure_at if state else None,
        "escalated_at": state.escalated_at if state else None,
        "stale_since": state.stale_since if state else None,
        "reported_status": state.reported_status if state else "",
        "reported_load": state.reported_load if state else None,
        "pending": {
            "events": AgentEvent.objects.filter(agent_id=agent.pk, consumed_at__isnull=True).count()
            if internal else 0,
            "deliveries": Delivery.objects.filter(recipient_id=agent.pk, status__in=OWED).count(),
        },
        "runtime": None if runtime is None else {
            "cycle_count": runtime.cycle_count, "last_error": runtime.last_error, "wake_at": runtime.wake_at,
            "restart_count": runtime.restart_count, "restarted_at": runtime.restarted_at},
        "events": events,
    }
