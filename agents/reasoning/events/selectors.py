"""Reads of an agent's events and runtime row (the caller has already been allowed to see the agent)."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.agent.models import Agent
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.runtime.models import AgentRuntime


def event_pending_list(*, agent: Agent) -> QuerySet[AgentEvent]:
    """The agent's pending events, oldest first: what its next cycles will reason about (``agentevent_pending_idx``)."""
    return AgentEvent.objects.filter(agent=agent, consumed_at__isnull=True).order_by("id")


def event_pending_latest(*, agent: Agent, limit: int = 20) -> tuple[list[AgentEvent], int]:
    """The agent page's view: the oldest ``limit`` pending events (the next to be reasoned about) and how
    many are pending in all."""
    pending = event_pending_list(agent=agent)
    return list(pending[:limit]), pending.count()


def runtime_get(*, agent: Agent) -> AgentRuntime | None:
    """The agent's runtime row; None for an external agent (it never runs the cycle)."""
    return AgentRuntime.objects.filter(agent=agent).first()
