"""agents/{id}/health/: what supervision knows of one agent, for people who may view it and its own key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import agent_for
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.supervision.api.serializers import AgentHealthOutput
from agents.supervision.selectors import agent_health


class AgentHealthApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: AgentHealthOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """The agent's heartbeat and whether it is stale, its policy, restarts and back-off, its last failure,
        what it reported of itself, what waits for it, and its latest supervision events."""
        agent = agent_for(request.user, pk, "view")
        return Response(AgentHealthOutput(agent_health(agent=agent)).data)
