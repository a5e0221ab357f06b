"""/roles/: global templates and organization roles."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.api import ListApi
from agents.common.selectors import resolve
from agents.organization.access import role_write_require
from agents.organization.api.filters import RoleFilter
from agents.organization.api.serializers import RoleCreateInput, RoleOutput, RoleUpdateInput
from agents.organization.models import AgentRole
from agents.organization.selectors import organization_get, role_get, role_list
from agents.organization.services.roles import role_create, role_delete, role_update


def _require_role_write(user: Any, role: AgentRole, verb: str) -> None:
    role_write_require(user, verb, organization=role.organization if role.organization_id else None)


class RoleListApi(ListApi):
    output_serializer = RoleOutput
    filterset_class = RoleFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]

    def get_queryset(self) -> Any:
        return role_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Roles: the global templates and the roles of the organizations you may view (`organization`,
        `is_template`)."""
        return self.list_response()

    @extend_schema(request=RoleCreateInput, responses={201: RoleOutput})
    def post(self, request: Request) -> Response:
        """Create a role for an organization you may change (or a template, as an administrator)."""
        data = RoleCreateInput.parse(request.data)
        org_id = data.pop("organization", None)
        org = resolve("organization", lambda: organization_get(user=request.user, pk=org_id)) \
            if org_id else None
        role_write_require(request.user, "add", organization=org)
        role = role_create(organization=org, by=actor_of(request.user), **data)
        return Response(RoleOutput(role).data, status=status.HTTP_201_CREATED)


class RoleDetailApi(APIView):
    @extend_schema(responses={200: RoleOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One role: its permissions, default beliefs and goals, and whether agents adopt told plans."""
        return Response(RoleOutput(role_get(user=request.user, pk=pk)).data)

    @extend_schema(request=RoleUpdateInput, responses={200: RoleOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change a role. Send the `version` you read: if someone changed it since, 409."""
        role = role_get(user=request.user, pk=pk)
        _require_role_write(request.user, role, "change")
        role = role_update(role=role, by=actor_of(request.user), **RoleUpdateInput.parse(request.data))
        return Response(RoleOutput(role).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete a role no agent holds and no plan belongs to (else 409 `role_in_use` / `role_has_plans`)."""
        role = role_get(user=request.user, pk=pk)
        _require_role_write(request.user, role, "delete")
        role_delete(role=role, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
