"""/groups/ and their members."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.api.filters import GroupFilter
from agents.agent.api.serializers import (
    GroupCreateInput,
    GroupOutput,
    GroupUpdateInput,
    MembershipInput,
    MembershipOutput,
    MembershipUpdateInput,
)
from agents.agent.models import AgentGroup
from agents.agent.selectors import agent_get, group_get, group_list, membership_get, membership_list
from agents.agent.services.groups import (
    group_create,
    group_delete,
    group_update,
    membership_add,
    membership_remove,
    membership_update,
)
from agents.common.access import require
from agents.common.api import ListApi
from agents.common.selectors import resolve
from agents.organization.models import Organization
from agents.organization.selectors import organization_get


class GroupListApi(ListApi):
    output_serializer = GroupOutput
    filterset_class = GroupFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> Any:
        return group_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """The groups of the organizations you may view (`organization` filters, `search` matches the name)."""
        return self.list_response()

    @extend_schema(request=GroupCreateInput, responses={201: GroupOutput})
    def post(self, request: Request) -> Response:
        """Create a group in an organization you may change; audited."""
        data = GroupCreateInput.parse(request.data)
        org_id = data.pop("organization")
        org: Organization = resolve("organization", lambda: organization_get(user=request.user, pk=org_id))
        require(request.user, "change", org)
        group = group_create(organization=org, by=actor_of(request.user), **data)
        group = group_get(user=request.user, pk=group.pk)  # with its member_count, as every read has
        return Response(GroupOutput(group).data, status=status.HTTP_201_CREATED)


class GroupDetailApi(APIView):
    @extend_schema(responses={200: GroupOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One group: its organization, name, purpose and member count."""
        return Response(GroupOutput(group_get(user=request.user, pk=pk)).data)

    @extend_schema(request=GroupUpdateInput, responses={200: GroupOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Rename a group or change its purpose; audited."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        group_update(group=group, by=actor_of(request.user), **GroupUpdateInput.parse(request.data))
        return Response(GroupOutput(group_get(user=request.user, pk=pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete a group (its memberships go with it; the agents stay); audited."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        group_delete(group=group, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMemberListApi(ListApi):
    output_serializer = MembershipOutput
    filter_backends: list = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AgentGroup.objects.none()
        return membership_list(group=group_get(user=self.request.user, pk=self.kwargs["pk"]))

    def get(self, request: Request, pk: Any) -> Response:
        """The group's members with their role in it (leader, member, observer), leader first."""
        return self.list_response()

    @extend_schema(request=MembershipInput, responses={201: MembershipOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Add an agent of the group's organization to the group; a group has at most one leader."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        data = MembershipInput.parse(request.data)
        agent = resolve("agent", lambda: agent_get(user=request.user, pk=data["agent"]))
        membership = membership_add(group=group, agent=agent, role=data["role"], by=actor_of(request.user))
        return Response(MembershipOutput(membership).data, status=status.HTTP_201_CREATED)


class GroupMemberDetailApi(APIView):
    @extend_schema(request=MembershipUpdateInput, responses={200: MembershipOutput})
    def patch(self, request: Request, pk: Any, agent_id: Any) -> Response:
        """Change a member's role in the group (leader, member, observer)."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        membership = membership_get(group=group, agent_id=agent_id)
        data = MembershipUpdateInput.parse(request.data)
        membership = membership_update(membership=membership, role=data["role"], by=actor_of(request.user))
        return Response(MembershipOutput(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, agent_id: Any) -> Response:
        """Remove the agent from the group (the agent stays)."""
        group = group_get(user=request.user, pk=pk)
        require(request.user, "change", group.organization)
        membership_remove(membership=membership_get(group=group, agent_id=agent_id),
                                 by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
