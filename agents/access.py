"""Who may see and do what to organizations and agents.

The rules are the platform's (``accounts.object_permissions``): a superuser or
a role with the model permission may act on every object; otherwise a guardian
grant on the object, to the user or one of their groups; and a grant on an
organization covers all its agents (the Agent policy names ``organization`` as
its parent). This module only names the querysets the agents app needs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.object_permissions import (
    CHANGE,
    DELETE,
    OPERATE,
    VIEW,
    has_object_permission,
    objects_for_user,
    register_object_policy,
    require_object_permission,
)
from agents.models import Agent, Organization

VERBS = (VIEW, CHANGE, OPERATE, DELETE)


def register_policies() -> None:
    """Called from AgentsConfig.ready()."""
    register_object_policy(Organization, actions=VERBS)
    register_object_policy(Agent, actions=VERBS, parent="organization")


def organizations_for(user: Any, verb: str = VIEW) -> QuerySet[Organization]:
    """Organizations on which ``user`` may ``verb`` (one lazy queryset, subqueries only)."""
    return objects_for_user(user, Organization.objects.all(), verb)


def agents_for(user: Any, verb: str = VIEW) -> QuerySet[Agent]:
    """Agents on which ``user`` may ``verb``: by a grant on the agent or on its organization."""
    return objects_for_user(user, Agent.objects.all(), verb)


def org_allows(user: Any, verb: str, organization: Organization) -> bool:
    return has_object_permission(user, verb, organization)


def agent_allows(user: Any, verb: str, agent: Agent) -> bool:
    return has_object_permission(user, verb, agent)


def require(user: Any, verb: str, obj: Organization | Agent) -> None:
    """403 for an object the caller may see but not ``verb``; 404 if they cannot see it."""
    require_object_permission(user, verb, obj)
