"""An agent's API keys (the caller has already been allowed to see the agent)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agents.agent.models import Agent
from agents.common.selectors import get_visible
from agents.keys.models import AgentApiKey


def api_key_list(*, agent: Agent) -> QuerySet[AgentApiKey]:
    return AgentApiKey.objects.filter(agent=agent).order_by("-created_at")


def api_key_get(*, agent: Agent, pk: Any) -> AgentApiKey:
    return get_visible(api_key_list(agent=agent), "API key", pk=pk)
