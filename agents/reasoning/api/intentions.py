"""agents/{id}/intentions/: what an agent is doing, for users who may view the agent and for its own key.

Reading: view on the agent, or the agent's own key (issue 13: a key may read its own agent's intentions and
trace, nothing else of its mind). Dropping one is a person's act on the agent's behaviour, like its lifecycle
actions: operate on the agent; no agent key (the view names no agent-key authentication, so a key gets 401).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of, agent_for
from agents.common.api import ListApi
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.reasoning.api.filters import IntentionFilter
from agents.reasoning.api.serializers import IntentionDetailOutput, IntentionDropInput, IntentionOutput
from agents.reasoning.intentions.models import Intention
from agents.reasoning.intentions.selectors import intention_get, intention_list, stacks_describe
from agents.reasoning.intentions.services import intention_drop


def _detail(intention: Intention) -> dict[str, Any]:
    return IntentionDetailOutput(intention, context={"stacks": stacks_describe([intention])}).data


class IntentionListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = IntentionOutput
    filterset_class = IntentionFilter
    search_fields: list[str] = []
    ordering_fields = ["created_at", "updated_at", "finished_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Intention.objects.none()
        return intention_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's intentions, live and finished, newest first (``?status=`` filters, repeatable)."""
        return self.list_response()


class IntentionDetailApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: IntentionDetailOutput})
    def get(self, request: Request, pk: Any, intention_id: Any) -> Response:
        """An intention with its stack: each frame's plan, version, the step at its pc, its bindings."""
        agent = agent_for(request.user, pk, "view")
        return Response(_detail(intention_get(agent=agent, pk=intention_id)))


class IntentionDropApi(APIView):
    @extend_schema(request=IntentionDropInput, responses={200: IntentionDetailOutput})
    def post(self, request: Request, pk: Any, intention_id: Any) -> Response:
        """Drop a running or waiting intention (operate on the agent); its unfinished goals become dropped.
        An intention that has already ended is a 409 ``intention_not_live``."""
        agent = agent_for(request.user, pk, "operate")
        intention = intention_get(agent=agent, pk=intention_id)
        data = IntentionDropInput.parse(request.data)
        return Response(_detail(intention_drop(intention=intention, by=actor_of(request.user), **data)))
