"""An agent's beliefs and goals (the caller has already been allowed to see the agent)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agents.agent.models import Agent
from agents.common.selectors import get_visible
from agents.reasoning.models import Belief, Goal


def belief_list(*, agent: Agent) -> QuerySet[Belief]:
    return Belief.objects.filter(agent=agent).order_by("key")


def belief_get(*, agent: Agent, key: str) -> Belief:
    return get_visible(belief_list(agent=agent), "belief", key=key)


def goal_list(*, agent: Agent) -> QuerySet[Goal]:
    return Goal.objects.filter(agent=agent).order_by("-priority", "created_at", "pk")


def goal_get(*, agent: Agent, pk: Any) -> Goal:
    return get_visible(goal_list(agent=agent), "goal", pk=pk)
