"""What operators see of supervision: each agent's health, the unhealthy ones, and the figures /metrics shows.

Reads only, in a fixed number of queries whatever the number of agents (the admin's group page, the
dashboard panel and the scrape all read lists). An agent's heartbeat is where its kind keeps it: an internal
agent's is its runtime row's (``AgentRuntime.heartbeat_at``, the last cycle's end), an external agent's the
agent row's (``Agent.heartbeat_at``, its last ``POST heartbeat/`` or inbox read). "Stale" is what the
supervision check found (``AgentSupervision.stale_since``): an idle internal agent beats only when it has
something to do, so an old heartbeat alone is not a failure (agents.supervision.services.signals).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, DateTimeField, F, Min, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from agents.agent.access import agents_for
from agents.agent.models import Agent, AgentKind, AgentStatus, Membership
from agents.organization.access import organizations_for
from agents.reasoning.runtime.models import AgentRuntime
from agents.supervision.models import (
    AgentSupervision,
    SupervisionEvent,
    SupervisionEventKind,
    SupervisorPolicy,
)
from agents.supervision.scope import SUPERVISED_ROLES, policies_of, supervised
from agents.supervision.services.restarts import restarted_within

#: The events the dashboard lists as "recent restarts": what supervision did, not the signals it read.
ACTIONS = (SupervisionEventKind.RESTART_SCHEDULED, SupervisionEventKind.RESTARTED, SupervisionEventKind.ESCALATED)
#: Rows of each dashboard list.
DASHBOARD_ROWS = 10
#: The heartbeat ages /metrics counts agents under (seconds), a bounded set of series.
AGE_BUCKETS = (60, 300, 900, 3600)


@dataclass(frozen=True)
class Health:
    """One agent as supervision sees it now."""

    agent: Agent
    policy: SupervisorPolicy | None
    heartbeat_at: datetime.datetime | None
    heartbeat_age: float | None
    stale_since: datetime.datetime | None
    restarts_in_period: int
    restart_at: datetime.datetime | None
    last_failure: dict[str, Any] | None
    last_failure_at: datetime.datetime | None
    escalated_at: datetime.datetime | None

    @property
    def failure_words(self) -> str:
        """The last failure in a few words: its signal kinds."""
        if not self.last_failure:
            return ""
        kinds = self.last_failure.get("kinds") or []
        return ", ".join(str(kind) for kind in kinds) or "failure"


def heartbeat_expression() -> Case:
    """An agent row's heartbeat, from where its kind keeps it (a subquery on the runtime row)."""
    runtime = AgentRuntime.objects.filter(agent_id=OuterRef("pk")).values("heartbeat_at")[:1]
    return Case(When(kind=AgentKind.EXTERNAL, then=F("heartbeat_at")),
                default=Subquery(runtime, output_field=DateTimeField()), output_field=DateTimeField())


def health_of(agents: list[Agent], *, now: datetime.datetime | None = None) -> list[Health]:
    """The health of each agent, in the order given (five queries, whatever their number)."""
    now = now or timezone.now()
    ids = [agent.pk for agent in agents]
    if not ids:
        return []
    beats = dict(AgentRuntime.objects.filter(agent_id__in=ids).values_list("agent_id", "heartbeat_at"))
    states = {state.agent_id: state for state in AgentSupervision.objects.filter(agent_id__in=ids)}
    policies = policies_of(ids)
    out = []
    for agent in agents:
        beat = agent.heartbeat_at if agent.kind == AgentKind.EXTERNAL else beats.get(agent.pk)
        state = states.get(agent.pk)
        policy = policies.get(agent.pk)
        restarts = restarted_within(state.restarts, now=now, period_seconds=policy.period_seconds) \
            if state is not None and policy is not None else (state.restarts if state is not None else [])
        out.append(Health(
            agent=agent, policy=policy, heartbeat_at=beat,
            heartbeat_age=(now - beat).total_seconds() if beat else None,
            stale_since=getattr(state, "stale_since", None), restarts_in_period=len(restarts),
            restart_at=getattr(state, "restart_at", None), last_failure=getattr(state, "last_failure", None),
            last_failure_at=getattr(state, "last_failure_at", None),
            escalated_at=getattr(state, "escalated_at", None)))
    return out


def group_health(*, group: Any, now: datetime.datetime | None = None) -> list[Health]:
    """The leader and members of ``group`` in join order (observers are not supervised by it)."""
    members = [m.agent for m in Membership.objects.filter(group=group, role__in=SUPERVISED_ROLES)
               .select_related("agent").order_by("created_at", "id")]
    return health_of(members, now=now)


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


def supervised_agents() -> QuerySet[Agent]:
    """Active agents some policy supervises (``agents.supervision.scope.supervised``)."""
    return Agent.objects.filter(status=AgentStatus.ACTIVE).filter(supervised())


def heartbeat_figures(*, now: datetime.datetime | None = None) -> dict[str, Any]:
    """For /metrics, in one query: the oldest heartbeat among supervised active agents (None without one),
    how many have none yet, and (age, how many beat within it) for each of ``AGE_BUCKETS`` seconds."""
    now = now or timezone.now()
    qs = supervised_agents().annotate(beat=heartbeat_expression())
    figures = qs.aggregate(
        oldest=Min("beat"), total=Count("pk"), never=Count("pk", filter=Q(beat__isnull=True)),
        **{f"within_{age}": Count("pk", filter=Q(beat__gte=now - datetime.timedelta(seconds=age)))
           for age in AGE_BUCKETS})
    oldest = figures.pop("oldest")
    return {"oldest_age": (now - oldest).total_seconds() if oldest else None, "total": figures["total"],
            "never": figures["never"], "within": [(age, figures[f"within_{age}"]) for age in AGE_BUCKETS]}


def state_counts() -> dict[str, int]:
    """For /metrics, in one query: agents failed, waiting for a restart, and active ones found stale."""
    return Agent.objects.aggregate(
        failed=Count("pk", filter=Q(status=AgentStatus.FAILED)),
        restart_due=Count("pk", filter=Q(supervision__restart_at__isnull=False)),
        stale=Count("pk", filter=Q(status=AgentStatus.ACTIVE, supervision__stale_since__isnull=False)))
