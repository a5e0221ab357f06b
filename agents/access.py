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
from mabos.errors import PermissionDenied

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


def role_template_allowed(user: Any, verb: str) -> bool:
    """May ``user`` ``verb`` (add, change, delete) a *global* role template? Administrators only.

    A global template's goals and beliefs are copied into every organization
    onboarded afterwards, so it takes the model permission (the administrator
    role holds it) or a superuser; an object grant on some organization is not enough.
    """
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (user.is_superuser or user.has_perm(f"agents.{verb}_agentrole")))


def role_write_require(user: Any, verb: str, *, organization: Organization | None) -> None:
    """The one rule for writing an agent role, used by the API and the admin alike.

    A role of an organization follows that organization's change grant (403 if
    the caller may see it, 404 if not); a global template (``organization``
    None) needs ``role_template_allowed`` (403 otherwise).
    """
    if organization is not None:
        require(user, CHANGE, organization)
    elif not role_template_allowed(user, verb):
        raise PermissionDenied("Only administrators may create or change global role templates.")
