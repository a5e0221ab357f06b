"""agents/{id}/events/: an agent's pending events, for users who may view the agent.

Not for the agent's own key: a key may read its agent's intentions and trace (issue 13), nothing more of
its mind, so this view names no agent-key authentication and a key gets a 401 like on every such view.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from agents.agent.access import agent_for
from agents.common.api import ListApi
from agents.reasoning.api.filters import EventFilter
from agents.reasoning.api.serializers import EventOutput
from agents.reasoning.events.models import AgentEvent
from agents.reasoning.events.selectors import event_pending_list


class EventListApi(ListApi):
    output_serializer = EventOutput
    filterset_class = EventFilter
    search_fields: list[str] = []
    ordering_fields = ["id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return AgentEvent.objects.none()
        return event_pending_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's pending events, oldest first (``?kind=`` filters)."""
        return self.list_response()
