"""Who acts in the agents tests: the system actor for writes no person makes, and grants that let a person act."""

from __future__ import annotations

from agents.organization.services.organizations import organization_grant
from auditlog.actors import Actor

SYSTEM = Actor.system("tests")


def grant(user, obj, *verbs: str) -> None:
    """Grant ``user`` the ``verbs`` (default: view) on an agent or an organization, through the services."""
    from agents.agent.services.agents import agent_grant
    from agents.models import Agent

    if isinstance(obj, Agent):
        agent_grant(agent=obj, user=user, verbs=verbs or ("view",), by=SYSTEM)
    else:
        organization_grant(organization=obj, user=user, verbs=verbs or ("view",), by=SYSTEM)
