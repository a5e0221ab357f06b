"""agents/{id}/trace/: what an agent's cycles saw, chose and did, and why, in JSON and in words.

For users who may view the agent and for the agent's own key (issue 13: a key may read its own agent's
intentions and trace). Rows are kept REASONING_TRACE_RETENTION_DAYS (agents.prune_traces).
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from agents.agent.access import agent_for
from agents.common.api import ListApi
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.reasoning.api.filters import TraceFilter
from agents.reasoning.api.serializers import TraceOutput
from agents.reasoning.trace.models import CycleTrace
from agents.reasoning.trace.selectors import trace_list


class TraceListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = TraceOutput
    filterset_class = TraceFilter
    search_fields: list[str] = []
    ordering_fields = ["id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return CycleTrace.objects.none()
        return trace_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's cycles, newest first, each with its ``words`` (``?since=`` an id or a time)."""
        return self.list_response()
