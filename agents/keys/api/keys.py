"""/agents/{id}/keys/: an external agent's API keys."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.agent.selectors import agent_get
from agents.common.access import require
from agents.common.api import ListApi
from agents.keys.api.serializers import ApiKeyCreatedOutput, ApiKeyInput, ApiKeyOutput
from agents.keys.models import AgentApiKey
from agents.keys.selectors import api_key_get, api_key_list
from agents.keys.services import agent_key_create, agent_key_revoke


class AgentKeyListApi(ListApi):
    """An external agent's API keys. Listing and creating them needs change on the agent."""

    output_serializer = ApiKeyOutput
    filter_backends: list = []

    def _agent(self) -> Any:
        agent = agent_get(user=self.request.user, pk=self.kwargs["pk"])
        require(self.request.user, "change", agent)
        return agent

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AgentApiKey.objects.none()
        return api_key_list(agent=self._agent())

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=ApiKeyInput, responses={201: ApiKeyCreatedOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Create a key. The response holds the key itself, this once; only a keyed hash is stored."""
        agent = self._agent()
        data = ApiKeyInput.parse(request.data)
        key, raw = agent_key_create(agent=agent, by=actor_of(request.user), name=data["name"])
        body = ApiKeyOutput(key).data | {"key": raw}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class AgentKeyRevokeApi(APIView):
    @extend_schema(request=None, responses={200: ApiKeyOutput})
    def post(self, request: Request, pk: Any, key_id: Any) -> Response:
        """Revoke the key at once: requests with it are refused from now on; a revoked key is a 409."""
        agent = agent_get(user=request.user, pk=pk)
        require(request.user, "change", agent)
        key = agent_key_revoke(key=api_key_get(agent=agent, pk=key_id), by=actor_of(request.user))
        return Response(ApiKeyOutput(key).data)
