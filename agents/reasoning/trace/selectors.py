"""Reads of an agent's trace (the caller has already been allowed to see the agent)."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.agent.models import Agent
from agents.reasoning.trace.models import CycleTrace


def trace_list(*, agent: Agent) -> QuerySet[CycleTrace]:
    """The agent's trace rows, newest first (``cycletrace_agent_idx``)."""
    return CycleTrace.objects.filter(agent=agent).order_by("-id")


def trace_latest(*, agent: Agent, limit: int = 20) -> list[CycleTrace]:
    """The agent page's view: its last ``limit`` cycles, newest first."""
    return list(trace_list(agent=agent)[:limit])
