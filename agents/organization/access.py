"""Who may see and do what to organizations and roles.

The rules are the platform's (``accounts.object_permissions``): a superuser or
a role with the model permission may act on every object; otherwise a guardian
grant on the object, to the user or one of their groups. A grant on an
organization covers all its agents (``agents.agent.access`` names it as the
Agent policy's parent). Global role templates are administrators' alone.
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
)
from agents.common.access import require
from agents.organization.models import Organization
from mabos.errors import PermissionDenied

VERBS = (VIEW, CHANGE, OPERATE, DELETE)


def register_policy() -> None:
    """Called from AgentsConfig.ready()."""
    register_object_policy(Organization, actions=VERBS)


def organizations_for(user: Any, verb: str = VIEW) -> QuerySet[Organization]:
    """Organizations on which ``user`` may ``verb`` (one lazy queryset, subqueries only)."""
    return objects_for_user(user, Organization.objects.all(), verb)


def org_allows(user: Any, verb: str, organization: Organization) -> bool:
    return has_object_permission(user, verb, organization)


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


def organization_create_allowed(user: Any) -> bool:
    """Creating an organization (empty, or onboarded) takes the model permission: no object grant covers it."""
    return bool(user.is_superuser or user.has_perm("agents.add_organization"))


def organization_create_require(user: Any) -> None:
    if not organization_create_allowed(user):
        raise PermissionDenied("You may not create organizations.")
