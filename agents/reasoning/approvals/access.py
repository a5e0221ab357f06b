"""Who may decide an approval request, written once (the API and the admin both ask here).

- Seeing one: view on its agent (``approvals/`` lists those; any other is a 404).
- Deciding one asked of ``operators``: ``operate`` on the agent's organization (403 if the caller can see it).
- Deciding one asked of a user role (a Django group, ``of: "administrator"``): being a member of that group,
  on top of seeing the organization. A superuser may decide any.
"""

from __future__ import annotations

from typing import Any

from accounts.object_permissions import OPERATE, VIEW, has_object_permission
from accounts.roles import has_role
from agents.common.access import require
from agents.organization.access import organizations_for
from agents.reasoning.approvals.models import OPERATORS, ApprovalRequest
from mabos.errors import PermissionDenied


def approval_decide_allowed(user: Any, request: ApprovalRequest) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.is_superuser:
        return True
    organization = request.agent.organization
    if request.of == OPERATORS:
        return has_object_permission(user, OPERATE, organization)
    return (has_object_permission(user, VIEW, organization)
            and user.groups.filter(name=request.of).exists())


def approvals_decidable(user: Any, requests: list[ApprovalRequest]) -> set[Any]:
    """The ids of ``requests`` (each with its agent) that ``user`` may decide: ``approval_decide_allowed`` for a
    list, in two queries whatever its length (the organizations ``user`` may operate or view among theirs;
    ``has_role`` reads the user's roles once)."""
    if not requests or not (getattr(user, "is_authenticated", False) and user.is_active):
        return set()
    if user.is_superuser:
        return {request.pk for request in requests}
    ids = {request.agent.organization_id for request in requests}
    operated = set(organizations_for(user, OPERATE).filter(pk__in=ids).values_list("pk", flat=True))
    viewed = set(organizations_for(user, VIEW).filter(pk__in=ids).values_list("pk", flat=True)) \
        if any(request.of != OPERATORS for request in requests) else set()
    return {request.pk for request in requests
            if (request.agent.organization_id in operated if request.of == OPERATORS
                else request.agent.organization_id in viewed and has_role(user, request.of))}


def approval_decide_require(user: Any, request: ApprovalRequest) -> None:
    """403 when the caller may see the request but not decide it; 404 when they cannot see its organization."""
    organization = request.agent.organization
    if request.of == OPERATORS:
        require(user, OPERATE, organization)
        return
    require(user, VIEW, organization)
    if not approval_decide_allowed(user, request):
        raise PermissionDenied(f"Only members of the {request.of} role may decide this approval.")
