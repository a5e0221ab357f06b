"""The agent-key principal: who ``request.user`` is when an agent's own key authenticated the call.

It is a domain concept, not an API detail: selectors, access rules and (soon)
workers ask "is this caller an agent acting as itself?" through
``agents.agent.access.key_agent``, never by importing the DRF authentication.
The principal is not a user: it holds no model or object permission.
"""

from __future__ import annotations

from typing import Any

from agents.agent.models import Agent


class AgentPrincipal:
    """request.user for an agent key: authenticated, but nobody's user."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, agent: Agent, key: Any):
        """``key`` is the AgentApiKey that authenticated (agents.keys; typed loosely so agent/ needs no keys)."""
        self.agent = agent
        self.key = key
        self.pk = self.id = f"agent:{agent.pk}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def get_username(self) -> str:
        return f"agent:{self.agent.slug}"

    def __str__(self) -> str:
        return f"agent {self.agent}"
