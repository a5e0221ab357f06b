"""agents/{id}/heartbeat/: an external agent says it is alive, with its own key.

A key reaches only its own agent (another agent's id is a 404, as on its inbox); a person is refused (403:
a heartbeat is the agent's word about itself, nobody else's). A stopped or failed agent's heartbeat is a 409
``agent_inactive``; a bad ``status`` or ``load`` a 400 naming it; nothing written either way.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import agent_for, key_agent
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.supervision.api.serializers import HeartbeatInput, HeartbeatOutput
from agents.supervision.services.heartbeats import agent_heartbeat
from mabos.errors import PermissionDenied


class AgentHeartbeatApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(request=HeartbeatInput, responses={200: HeartbeatOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Record a heartbeat (optionally ``{"status": "ok", "load": 0.4}``); reading the inbox counts as one too."""
        agent = agent_for(request.user, pk, "view")
        if key_agent(request.user) is None:
            raise PermissionDenied("Only the agent's own key may send its heartbeat.")
        data = HeartbeatInput.parse(request.data)
        state = agent_heartbeat(agent=agent, status=data.get("status", ""), load=data.get("load"))
        return Response(HeartbeatOutput({"agent": agent.pk, "heartbeat_at": agent.heartbeat_at,
                                         "status": state.reported_status, "load": state.reported_load}).data)
