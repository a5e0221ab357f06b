"""Which agents a caller may see or act as: the one rule, for a user and for an agent's own key.

A user reaches agents through the platform's object permissions
(``accounts.object_permissions``: a grant on the agent or on its organization,
or a model permission). An agent key reaches exactly its own agent, and may
write only while that agent runs. Views, selectors and admins all ask here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.object_permissions import VIEW, has_object_permission, objects_for_user, register_object_policy
from agents.agent.models import NOT_RUNNING, Agent
from agents.agent.principal import AgentPrincipal
from agents.common.access import require
from agents.common.errors import AgentInactive
from agents.common.selectors import get_visible
from agents.organization.access import VERBS
from auditlog.actors import Actor
from mabos.errors import NotFound

#: What every read of an agent shows with it (its organization, role and supervisor): one join, no N+1.
AGENT_RELATED = ("organization", "role", "supervisor")


def register_policy() -> None:
    """Called from AgentsConfig.ready(): a grant on an organization covers all its agents."""
    register_object_policy(Agent, actions=VERBS, parent="organization")


def key_agent(caller: Any) -> Agent | None:
    """The agent whose own key authenticated ``caller``, or None for a person."""
    return caller.agent if isinstance(caller, AgentPrincipal) else None


def agents_for(caller: Any, verb: str = VIEW) -> QuerySet[Agent]:
    """Agents on which ``caller`` may ``verb``: an agent key its own agent; a user by grant or model permission."""
    agent = key_agent(caller)
    if agent is not None:
        return Agent.objects.filter(pk=agent.pk)
    return objects_for_user(caller, Agent.objects.all(), verb)


def agent_allows(user: Any, verb: str, agent: Agent) -> bool:
    return has_object_permission(user, verb, agent)


def key_agent_must_run(agent: Agent) -> None:
    """A stopped or failed agent's key may read, not write (409 agent_inactive). The status is read from the
    database: the agent a key carries may come from the key cache and be a few seconds old."""
    status = Agent.objects.filter(pk=agent.pk).values_list("status", flat=True).first()
    if status in NOT_RUNNING:
        raise AgentInactive(agent.pk, status, doing="change its beliefs or goals", name=agent.name)


def agent_for(caller: Any, pk: Any, verb: str) -> Agent:
    """The agent named by ``pk`` that ``caller`` may ``verb``: for an agent key only its own agent (else 404,
    and writes only while it runs); for a user, 404 if they cannot see it and 403 if they may not ``verb`` it."""
    agent = key_agent(caller)
    if agent is not None:
        if str(agent.pk) != str(pk):
            raise NotFound("agent")
        if verb != VIEW:
            key_agent_must_run(agent)
        return agent
    agent = get_visible(agents_for(caller).select_related(*AGENT_RELATED), "agent", pk=pk)
    if verb != VIEW:
        require(caller, verb, agent)
    return agent


def actor_of(caller: Any) -> Any:
    """Who acts, for the audit log: the user, or the agent whose key authenticated the call."""
    agent = key_agent(caller)
    return Actor.for_agent(agent) if agent is not None else caller
