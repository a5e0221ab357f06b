"""/agents/ and the lifecycle actions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.api.filters import AgentFilter
from agents.agent.api.serializers import AgentCreateInput, AgentOutput, AgentUpdateInput, LifecycleInput
from agents.agent.selectors import agent_get, agent_list
from agents.agent.services.agents import agent_create, agent_delete, agent_update
from agents.agent.services.lifecycle import agent_transition
from agents.common.access import require
from agents.common.api import ListApi, expected_version
from agents.common.selectors import resolve
from agents.organization.selectors import organization_get, role_get


class AgentListApi(ListApi):
    output_serializer = AgentOutput
    filterset_class = AgentFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "status", "kind", "created_at", "updated_at", "heartbeat_at"]

    def get_queryset(self) -> Any:
        return agent_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """The agents you may view, by organization and name (filter by `organization`, `status`, `role` ...;
        `search` matches the name)."""
        return self.list_response()

    @extend_schema(request=AgentCreateInput, responses={201: AgentOutput})
    def post(self, request: Request) -> Response:
        """Create an agent in an organization you may change; its `slug` names it in sends (`"to": ["cfo"]`)."""
        data = AgentCreateInput.parse(request.data)
        org = resolve("organization", lambda: organization_get(user=request.user, pk=data["organization"]))
        require(request.user, "change", org)
        data["organization"] = org
        data["role"] = resolve("role", lambda: role_get(user=request.user, pk=data["role"]))
        if data.get("supervisor"):
            data["supervisor"] = resolve("supervisor",
                                         lambda: agent_get(user=request.user, pk=data["supervisor"]))
        agent = agent_create(by=actor_of(request.user), **data)
        return Response(AgentOutput(agent).data, status=status.HTTP_201_CREATED)


class AgentDetailApi(APIView):
    @extend_schema(responses={200: AgentOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One agent: its organization, role, status, supervisor, heartbeat and `version` (send it back to change the
        agent)."""
        agent = agent_get(user=request.user, pk=pk)
        return Response(AgentOutput(agent).data, headers={"ETag": f'"{agent.version}"'})

    @extend_schema(request=AgentUpdateInput, responses={200: AgentOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change an agent. Send the ``version`` you read: if someone changed it since, 409."""
        agent = agent_get(user=request.user, pk=pk)
        require(request.user, "change", agent)
        data = AgentUpdateInput.parse(request.data)
        version = expected_version(request, data)
        if "role" in data:
            data["role"] = resolve("role", lambda: role_get(user=request.user, pk=data["role"]))
        if data.get("supervisor"):
            data["supervisor"] = resolve("supervisor",
                                         lambda: agent_get(user=request.user, pk=data["supervisor"]))
        agent_update(agent=agent, by=actor_of(request.user), expected_version=version, **data)
        agent = agent_get(user=request.user, pk=pk)
        return Response(AgentOutput(agent).data, headers={"ETag": f'"{agent.version}"'})

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        """Delete an agent (needs delete on it); audited. Its beliefs, goals, deliveries and sent messages go too."""
        agent = agent_get(user=request.user, pk=pk)
        require(request.user, "delete", agent)
        agent_delete(agent=agent, by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentLifecycleApi(APIView):
    """POST agents/{id}/pause|resume|restart/: needs operate; an illegal move is a 409 naming ``status``."""

    action_name = ""

    @extend_schema(request=LifecycleInput, responses={200: AgentOutput})
    def post(self, request: Request, pk: Any) -> Response:
        agent = agent_get(user=request.user, pk=pk)
        require(request.user, "operate", agent)
        data = LifecycleInput.parse(request.data)
        agent_transition(agent=agent, action=self.action_name, by=actor_of(request.user), reason=data["reason"],
                         expected_version=data.get("version"))
        agent = agent_get(user=request.user, pk=pk)
        return Response(AgentOutput(agent).data)


class AgentPauseApi(AgentLifecycleApi):
    action_name = "pause"


class AgentResumeApi(AgentLifecycleApi):
    action_name = "resume"


class AgentRestartApi(AgentLifecycleApi):
    action_name = "restart"
