"""Reads of supervision that depend on who asks: policies, the event log, one agent's health, the dashboard's
unhealthy agents.

Policies and events are the organization's: a caller sees those of organizations (events: of agents) they may
view; missing and not-allowed are both a 404. ``agent_health`` takes an agent the caller was already allowed
to view (``agents.agent.access.agent_for``) and assembles everything supervision knows of it in a fixed number
of queries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agents.agent.access import agents_for
from agents.agent.models import Agent, AgentKind, AgentStatus
from agents.common.selectors import get_visible
from agents.messaging.models import Delivery
from agents.organization.access import organizations_for
from agents.reasoning.events.models import AgentEvent
from agents.supervision.health import Health, health_of
from agents.supervision.models import SupervisionEvent, SupervisionEventKind, SupervisorPolicy
from agents.supervision.services.signals import OWED

#: How many of its latest supervision events an agent's health shows.
HEALTH_EVENTS = 10
#: The events the dashboard lists as "recent restarts": what supervision did, not the signals it read.
ACTIONS = (SupervisionEventKind.RESTART_SCHEDULED, SupervisionEventKind.RESTARTED, SupervisionEventKind.ESCALATED)
#: Rows of each dashboard list.
DASHBOARD_ROWS = 10


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


def agent_health(*, agent: Agent, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What supervision knows of ``agent`` (one the caller may view): its health (``health.health_of``, the
    admin's and the dashboard's too), what it reported of itself, what waits for it, and its latest events.
    Read fresh from the database: the agent an agent key carries may come from the key cache."""
    now = now or timezone.now()
    fresh = Agent.objects.filter(pk=agent.pk).first() or agent
    [health] = health_of([fresh], now=now)
    state, runtime, policy = health.state, health.runtime, health.policy
    events = list(SupervisionEvent.objects.filter(agent_id=agent.pk).select_related("agent")
                  .order_by("-id")[:HEALTH_EVENTS])
    return {
        "agent": agent.pk,
        "kind": fresh.kind,
        "status": fresh.status,
        "heartbeat_at": health.heartbeat_at,
        "heartbeat_age_seconds": health.heartbeat_age,
        "stale": health.silent,
        "policy": None if policy is None else {
            "id": policy.pk, "group": policy.group_id, "strategy": policy.strategy, "intensity": policy.intensity,
            "period_seconds": policy.period_seconds, "heartbeat_timeout_seconds": policy.heartbeat_timeout_seconds},
        "restarts_in_period": health.restarts_in_period,
        "restart_at": health.restart_at,
        "backoff_seconds": state.backoff_seconds if state else 0.0,
        "last_failure": health.last_failure,
        "last_failure_at": health.last_failure_at,
        "escalated_at": health.escalated_at,
        "stale_since": health.stale_since,
        "reported_status": state.reported_status if state else "",
        "reported_load": state.reported_load if state else None,
        "pending": {
            "events": AgentEvent.objects.filter(agent_id=agent.pk, consumed_at__isnull=True).count()
            if fresh.kind == AgentKind.INTERNAL else 0,
            "deliveries": Delivery.objects.filter(recipient_id=agent.pk, status__in=OWED).count(),
        },
        "runtime": None if runtime is None else {
            "cycle_count": runtime.cycle_count, "last_error": runtime.last_error, "wake_at": runtime.wake_at,
            "restart_count": runtime.restart_count, "restarted_at": runtime.restarted_at},
        "events": events,
    }


@dataclass(frozen=True)
class Unhealthy:
    """The dashboard panel: the agents in trouble (at most ``DASHBOARD_ROWS``, and how many in all), and the
    latest things supervision did."""

    agents: list[Health]
    total: int
    events: list[SupervisionEvent]


def unhealthy_for(*, user: Any, now: datetime.datetime | None = None, rows: int = DASHBOARD_ROWS) -> Unhealthy:
    """Failed agents, agents waiting for a restart, agents the check found stale, and the latest restarts and
    escalations, of what ``user`` may see (a fixed number of queries: the rows are limited)."""
    trouble = (Q(status=AgentStatus.FAILED) | Q(supervision__restart_at__isnull=False)
               | Q(supervision__stale_since__isnull=False))
    visible = agents_for(user).filter(trouble)
    total = visible.count()
    agents = list(visible.select_related("organization").order_by(
        F("supervision__restart_at").asc(nulls_last=True), "-updated_at", "pk")[:rows])
    events = list(SupervisionEvent.objects.filter(
        kind__in=ACTIONS, organization_id__in=organizations_for(user).values("pk"))
        .select_related("agent", "organization").order_by("-id")[:rows])
    return Unhealthy(agents=health_of(agents, now=now), total=total, events=events)
