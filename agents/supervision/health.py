"""What operators see of supervision: each agent's health (for the admin, the dashboard's panel and the API's
health page, ``selectors``), and the figures /metrics shows.

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

from agents.agent.models import Agent, AgentKind, AgentStatus, Membership
from agents.reasoning.runtime.models import AgentRuntime
from agents.supervision.models import (
    AgentSupervision,
    SupervisorPolicy,
)
from agents.supervision.scope import SUPERVISED_ROLES, policies_of, supervised
from agents.supervision.services.restarts import restarted_within

#: The heartbeat ages /metrics counts agents under (seconds), a bounded set of series.
AGE_BUCKETS = (60, 300, 900, 3600)


@dataclass(frozen=True)
class Health:
    """One agent as supervision sees it now: the one assembly the admin, the dashboard and ``agents/{id}/health/``
    read. Two facts about silence, not one: ``silent`` (not heard from for longer than the policy's timeout while
    it should have been, now) and ``stale_since`` (when the check, which also asks whether the workers got past
    it, reported it stale)."""

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
    silent: bool = False
    state: AgentSupervision | None = None
    runtime: AgentRuntime | None = None

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


def _silent(agent: Agent, runtime: AgentRuntime | None, beat: datetime.datetime | None,
            policy: SupervisorPolicy | None, now: datetime.datetime) -> bool:
    """Silent for longer than the policy's heartbeat timeout while it should have been heard from.

    An external agent should beat always (never heard from: counted from its creation); an internal one only
    while it is due for a cycle (an idle agent has nothing to do, so no cycle and no heartbeat). Only a running
    (active) agent with a policy can be silent: a paused or stopped one is not expected to beat.
    """
    if policy is None or agent.status != AgentStatus.ACTIVE:
        return False
    limit = now - datetime.timedelta(seconds=policy.heartbeat_timeout_seconds)
    if agent.kind == AgentKind.EXTERNAL:
        return (beat or agent.created_at) <= limit
    if runtime is None or runtime.wake_at is None or runtime.wake_at > limit:
        return False
    return beat is None or beat <= limit


def health_of(agents: list[Agent], *, now: datetime.datetime | None = None) -> list[Health]:
    """The health of each agent, in the order given (five queries, whatever their number)."""
    now = now or timezone.now()
    ids = [agent.pk for agent in agents]
    if not ids:
        return []
    runtimes = {row.agent_id: row for row in AgentRuntime.objects.filter(agent_id__in=ids)}
    states = {state.agent_id: state for state in AgentSupervision.objects.filter(agent_id__in=ids)}
    policies = policies_of(ids)
    out = []
    for agent in agents:
        runtime = runtimes.get(agent.pk) if agent.kind == AgentKind.INTERNAL else None
        beat = agent.heartbeat_at if agent.kind == AgentKind.EXTERNAL else getattr(runtime, "heartbeat_at", None)
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
            escalated_at=getattr(state, "escalated_at", None),
            silent=_silent(agent, runtime, beat, policy, now), state=state, runtime=runtime))
    return out


def group_health(*, group: Any, now: datetime.datetime | None = None) -> list[Health]:
    """The leader and members of ``group`` in join order (observers are not supervised by it)."""
    members = [m.agent for m in Membership.objects.filter(group=group, role__in=SUPERVISED_ROLES)
               .select_related("agent").order_by("created_at", "id")]
    return health_of(members, now=now)


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
