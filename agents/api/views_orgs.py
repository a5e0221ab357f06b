"""/organizations/, /organizations/onboard/, /roles/ and /groups/ (with members)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import selectors
from agents.access import require, role_write_require
from agents.api import serializers as s
from agents.api.base import ListApi, actor_of, resolve
from agents.api.filters import GroupFilter, OrganizationFilter, RoleFilter
from agents.models import AgentGroup, AgentRole, Organization
from agents.services import groups, organizations, roles
from agents.services.onboarding import organization_onboard
from mabos.errors import PermissionDenied


def _may_create_organizations(user: Any) -> None:
    if not (user.is_superuser or user.has_perm("agents.add_organization")):
        raise PermissionDenied("You may not create organizations.")


class OrganizationListApi(ListApi):
    output_serializer = s.OrganizationOutput
    filterset_class = OrganizationFilter
    search_fields = ["name", "industry"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self) -> Any:
        return selectors.organization_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(request=s.OrganizationCreateInput, responses={201: s.OrganizationOutput})
    def post(self, request: Request) -> Response:
        """Create an empty organization; the creator may manage it. To staff it too, use onboard/."""
        _may_create_organizations(request.user)
        data = s.OrganizationCreateInput.parse(request.data)
        org = organizations.organization_create(by=actor_of(request), **data)
        org = selectors.organization_get(user=request.user, pk=org.pk)  # with its agent_count, as every read has
        return Response(s.OrganizationOutput(org).data, status=status.HTTP_201_CREATED)


class OrganizationOnboardApi(APIView):
    @extend_schema(request=s.OnboardInput, responses={201: s.OrganizationOutput})
    def post(self, request: Request) -> Response:
        """Describe a business; get an organization staffed with one agent per chosen role."""
        _may_create_organizations(request.user)
        data = s.OnboardInput.parse(request.data)
        org = organization_onboard(by=actor_of(request), **data)
        org = selectors.organization_get(user=request.user, pk=org.pk)
        return Response(s.OrganizationOutput(org).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    @extend_schema(responses={200: s.OrganizationOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.OrganizationOutput(selectors.organization_get(user=request.user, pk=pk)).data)

    @extend_schema(request=s.OrganizationUpdateInput, responses={200: s.OrganizationOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        org = selectors.organization_get(user=request.user, pk=pk)
        require(request.user, "change", org)
        data = s.OrganizationUpdateInput.parse(request.data)
        organizations.organization_update(organization=org, by=actor_of(request), **data)
        return Response(s.OrganizationOutput(selectors.organization_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        org = selectors.organization_get(user=request.user, pk=pk)
        require(request.user, "delete", org)
        organizations.organization_delete(organization=org, by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _require_role_write(user: Any, role: AgentRole, verb: str) -> None:
    role_write_require(user, verb, organization=role.organization if role.organization_id else None)


class RoleListApi(ListApi):
    output_serializer = s.RoleOutput
    filterset_class = RoleFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.role_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(request=s.RoleCreateInput, responses={201: s.RoleOutput})
    def post(self, request: Request) -> Response:
        data = s.RoleCreateInput.parse(request.data)
        org_id = data.pop("organization", None)
        org = resolve("organization", lambda: selectors.organization_get(user=request.user, pk=org_id)) \
            if org_id else None
        role_write_require(request.user, "add", organization=org)
        role = roles.role_create(organization=org, by=actor_of(request), **data)
        return Response(s.RoleOutput(role).data, status=status.HTTP_201_CREATED)


class RoleDetailApi(APIView):
    @extend_schema(responses={200: s.RoleOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.RoleOutput(selectors.role_get(user=request.user, pk=pk)).data)

    @extend_schema(request=s.RoleUpdateInput, responses={200: s.RoleOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        role = selectors.role_get(user=request.user, pk=pk)
        _require_role_write(request.user, role, "change")
        role = roles.role_update(role=role, by=actor_of(request), **s.RoleUpdateInput.parse(request.data))
        return Response(s.RoleOutput(role).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        role = selectors.role_get(user=request.user, pk=pk)
        _require_role_write(request.user, role, "delete")
        roles.role_delete(role=role, by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupListApi(ListApi):
    output_serializer = s.GroupOutput
    filterset_class = GroupFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> Any:
        return selectors.group_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(request=s.GroupCreateInput, responses={201: s.GroupOutput})
    def post(self, request: Request) -> Response:
        data = s.GroupCreateInput.parse(request.data)
        org_id = data.pop("organization")
        org: Organization = resolve("organization", lambda: selectors.organization_get(user=request.user, pk=org_id))
        require(request.user, "change", org)
        group = groups.group_create(organization=org, by=actor_of(request), **data)
        group = selectors.group_get(user=request.user, pk=group.pk)  # with its member_count, as every read has
        return Response(s.GroupOutput(group).data, status=status.HTTP_201_CREATED)


class GroupDetailApi(APIView):
    @extend_schema(responses={200: s.GroupOutput})
    def get(self, request: Request, pk: Any) -> Response:
        return Response(s.GroupOutput(selectors.group_get(user=request.user, pk=pk)).data)

    @extend_schema(request=s.GroupUpdateInput, responses={200: s.GroupOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        group = selectors.group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        groups.group_update(group=group, by=actor_of(request), **s.GroupUpdateInput.parse(request.data))
        return Response(s.GroupOutput(selectors.group_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        group = selectors.group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        groups.group_delete(group=group, by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMemberListApi(ListApi):
    output_serializer = s.MembershipOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AgentGroup.objects.none()
        return selectors.membership_list(group=selectors.group_get(user=self.request.user, pk=self.kwargs["pk"]))

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=s.MembershipInput, responses={201: s.MembershipOutput})
    def post(self, request: Request, pk: Any) -> Response:
        group = selectors.group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        data = s.MembershipInput.parse(request.data)
        agent = resolve("agent", lambda: selectors.agent_get(user=request.user, pk=data["agent"]))
        membership = groups.membership_add(group=group, agent=agent, role=data["role"], by=actor_of(request))
        return Response(s.MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class GroupMemberDetailApi(APIView):
    @extend_schema(request=s.MembershipUpdateInput, responses={200: s.MembershipOutput})
    def patch(self, request: Request, pk: Any, agent_id: Any) -> Response:
        group = selectors.group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        membership = selectors.membership_get(group=group, agent_id=agent_id)
        data = s.MembershipUpdateInput.parse(request.data)
        membership = groups.membership_update(membership=membership, role=data["role"], by=actor_of(request))
        return Response(s.MembershipOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, agent_id: Any) -> Response:
        group = selectors.group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        groups.membership_remove(membership=selectors.membership_get(group=group, agent_id=agent_id),
                                 by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
