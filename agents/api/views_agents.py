"""/agents/, lifecycle actions and API keys."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import selectors
from agents.access import require
from agents.api import serializers as s
from agents.api.base import ListApi, actor_of, expected_version, resolve
from agents.api.filters import AgentFilter
from agents.services import agent as agent_services
from agents.services import keys
from agents.services.lifecycle import agent_transition


class AgentListApi(ListApi):
    output_serializer = s.AgentOutput
    filterset_class = AgentFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "status", "kind", "created_at", "updated_at", "heartbeat_at"]

    def get_queryset(self) -> Any:
        return selectors.agent_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        return self.list_response()

    @extend_schema(request=s.AgentCreateInput, responses={201: s.AgentOutput})
    def post(self, request: Request) -> Response:
        data = s.AgentCreateInput.parse(request.data)
        org = resolve("organization", lambda: selectors.organization_get(user=request.user, pk=data["organization"]))
        require(request.user, "change", org)
        data["organization"] = org
        data["role"] = resolve("role", lambda: selectors.role_get(user=request.user, pk=data["role"]))
        if data.get("supervisor"):
            data["supervisor"] = resolve("supervisor",
                                         lambda: selectors.agent_get(user=request.user, pk=data["supervisor"]))
        agent = agent_services.agent_create(by=actor_of(request), **data)
        return Response(s.AgentOutput(agent).data, status=status.HTTP_201_CREATED)


class AgentDetailApi(APIView):
    @extend_schema(responses={200: s.AgentOutput})
    def get(self, request: Request, pk: Any) -> Response:
        agent = selectors.agent_get(user=request.user, pk=pk)
        return Response(s.AgentOutput(agent).data, headers={"ETag": f'"{agent.version}"'})

    @extend_schema(request=s.AgentUpdateInput, responses={200: s.AgentOutput})
    def patch(self, request: Request, pk: Any) -> Response:
        """Change an agent. Send the ``version`` you read: if someone changed it since, 409."""
        agent = selectors.agent_get(user=request.user, pk=pk)
        require(request.user, "change", agent)
        data = s.AgentUpdateInput.parse(request.data)
        version = expected_version(request, data)
        if "role" in data:
            data["role"] = resolve("role", lambda: selectors.role_get(user=request.user, pk=data["role"]))
        if data.get("supervisor"):
            data["supervisor"] = resolve("supervisor",
                                         lambda: selectors.agent_get(user=request.user, pk=data["supervisor"]))
        agent_services.agent_update(agent=agent, by=actor_of(request), expected_version=version, **data)
        agent = selectors.agent_get(user=request.user, pk=pk)
        return Response(s.AgentOutput(agent).data, headers={"ETag": f'"{agent.version}"'})

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any) -> Response:
        agent = selectors.agent_get(user=request.user, pk=pk)
        require(request.user, "delete", agent)
        agent_services.agent_delete(agent=agent, by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentLifecycleApi(APIView):
    """POST agents/{id}/pause|resume|restart/: needs operate; an illegal move is a 409 naming ``status``."""

    action_name = ""

    @extend_schema(request=s.LifecycleInput, responses={200: s.AgentOutput})
    def post(self, request: Request, pk: Any) -> Response:
        agent = selectors.agent_get(user=request.user, pk=pk)
        require(request.user, "operate", agent)
        data = s.LifecycleInput.parse(request.data)
        agent_transition(agent=agent, action=self.action_name, by=actor_of(request), reason=data["reason"],
                         expected_version=data.get("version"))
        agent = selectors.agent_get(user=request.user, pk=pk)
        return Response(s.AgentOutput(agent).data)


class AgentPauseApi(AgentLifecycleApi):
    action_name = "pause"


class AgentResumeApi(AgentLifecycleApi):
    action_name = "resume"


class AgentRestartApi(AgentLifecycleApi):
    action_name = "restart"


class AgentKeyListApi(ListApi):
    """An external agent's API keys. Listing and creating them needs change on the agent."""

    output_serializer = s.ApiKeyOutput
    filter_backends: list = []

    def _agent(self) -> Any:
        agent = selectors.agent_get(user=self.request.user, pk=self.kwargs["pk"])
        require(self.request.user, "change", agent)
        return agent

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return selectors.AgentApiKey.objects.none()
        return selectors.api_key_list(agent=self._agent())

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=s.ApiKeyInput, responses={201: s.ApiKeyCreatedOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Create a key. The response holds the key itself, this once; only a keyed hash is stored."""
        agent = self._agent()
        data = s.ApiKeyInput.parse(request.data)
        key, raw = keys.agent_key_create(agent=agent, by=actor_of(request), name=data["name"])
        body = s.ApiKeyOutput(key).data | {"key": raw}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class AgentKeyRevokeApi(APIView):
    @extend_schema(request=None, responses={200: s.ApiKeyOutput})
    def post(self, request: Request, pk: Any, key_id: Any) -> Response:
        agent = selectors.agent_get(user=request.user, pk=pk)
        require(request.user, "change", agent)
        key = keys.agent_key_revoke(key=selectors.api_key_get(agent=agent, pk=key_id), by=actor_of(request))
        return Response(s.ApiKeyOutput(key).data)
