"""supervision/events/: what supervision saw and did (signals, restarts, escalations), newest first.

The events of agents the caller may view. People only: an agent key gets 401 (its own events are on its
health, ``agents/{id}/health/``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.common.api import ListApi
from agents.supervision.api.filters import SupervisionEventFilter
from agents.supervision.api.serializers import SupervisionEventOutput
from agents.supervision.models import SupervisionEvent
from agents.supervision.selectors import supervision_event_get, supervision_event_list


class SupervisionEventListApi(ListApi):
    output_serializer = SupervisionEventOutput
    filterset_class = SupervisionEventFilter
    search_fields: list[str] = []
    ordering_fields = ["id", "at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SupervisionEvent.objects.none()
        return supervision_event_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Supervision events of the agents you may view, newest first (``?agent=``, ``?kind=``, ``?since=``)."""
        return self.list_response()


class SupervisionEventDetailApi(APIView):
    @extend_schema(responses={200: SupervisionEventOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One supervision event: its agent, kind, what was done and when."""
        return Response(SupervisionEventOutput(supervision_event_get(user=request.user, pk=pk)).data)
