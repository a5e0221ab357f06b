"""agents/{id}/beliefs/: for users with grants, and for the agent's own key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of, agent_for
from agents.common.api import ListApi
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.reasoning.api.serializers import BeliefInput, BeliefOutput, BeliefReplaceInput
from agents.reasoning.models import Belief
from agents.reasoning.selectors import belief_get, belief_list
from agents.reasoning.services.beliefs import belief_delete, belief_set, belief_upsert


class BeliefListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = BeliefOutput
    search_fields = ["key"]
    ordering_fields = ["key", "confidence", "updated_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Belief.objects.none()
        return belief_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's beliefs (key, value, confidence, source); its own key may read them too."""
        return self.list_response()

    @extend_schema(request=BeliefInput, responses={201: BeliefOutput, 200: BeliefOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Set a belief (create, or replace the one with the same key)."""
        agent = agent_for(request.user, pk, "change")
        data = BeliefInput.parse(request.data)
        belief, created = belief_upsert(agent=agent, by=actor_of(request.user), **data)
        return Response(BeliefOutput(belief).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class BeliefDetailApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: BeliefOutput})
    def get(self, request: Request, pk: Any, key: str) -> Response:
        """One belief of the agent, by key."""
        return Response(BeliefOutput(belief_get(agent=agent_for(request.user, pk, "view"), key=key)).data)

    @extend_schema(request=BeliefReplaceInput, responses={200: BeliefOutput})
    def put(self, request: Request, pk: Any, key: str) -> Response:
        """Replace the belief with this key (value, confidence, source)."""
        agent = agent_for(request.user, pk, "change")
        data = BeliefReplaceInput.parse(request.data)
        return Response(BeliefOutput(belief_set(agent=agent, key=key, by=actor_of(request.user), **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, key: str) -> Response:
        """Forget the belief with this key."""
        agent = agent_for(request.user, pk, "change")
        belief_delete(belief=belief_get(agent=agent, key=key), by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
