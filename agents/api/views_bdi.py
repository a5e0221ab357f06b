"""agents/{id}/beliefs/ and agents/{id}/goals/: for users with grants, and for the agent's own key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from agents import selectors
from agents.access import require
from agents.api import serializers as s
from agents.api.authentication import AgentKeyAuthentication, AgentPrincipal
from agents.api.base import ListApi, actor_of, resolve
from agents.api.filters import GoalFilter
from agents.errors import AgentInactive
from agents.models import NOT_RUNNING, Agent, Belief, Goal
from agents.services import bdi
from mabos.errors import NotFound

AUTHENTICATION = [AgentKeyAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]


def key_agent_must_run(agent: Agent) -> None:
    """A stopped or failed agent's key may read, not write (409 agent_inactive). The status is read from the
    database: the agent a key carries may come from the key cache and be a few seconds old."""
    status = Agent.objects.filter(pk=agent.pk).values_list("status", flat=True).first()
    if status in NOT_RUNNING:
        raise AgentInactive(agent.pk, status, doing="change its beliefs or goals")


def agent_for(request: Request, pk: Any, verb: str) -> Agent:
    """The agent in the URL: for an agent key only its own agent (else 404); for users, by grant."""
    if isinstance(request.user, AgentPrincipal):
        if str(request.user.agent.pk) != str(pk):
            raise NotFound("agent")
        if verb != "view":
            key_agent_must_run(request.user.agent)
        return request.user.agent
    agent = selectors.agent_get(user=request.user, pk=pk)
    if verb != "view":
        require(request.user, verb, agent)
    return agent


class BeliefListApi(ListApi):
    authentication_classes = AUTHENTICATION
    output_serializer = s.BeliefOutput
    search_fields = ["key"]
    ordering_fields = ["key", "confidence", "updated_at"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Belief.objects.none()
        return selectors.belief_list(agent=agent_for(self.request, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=s.BeliefInput, responses={201: s.BeliefOutput, 200: s.BeliefOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Set a belief (create, or replace the one with the same key)."""
        agent = agent_for(request, pk, "change")
        data = s.BeliefInput.parse(request.data)
        belief, created = bdi.belief_upsert(agent=agent, by=actor_of(request), **data)
        return Response(s.BeliefOutput(belief).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class BeliefDetailApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(responses={200: s.BeliefOutput})
    def get(self, request: Request, pk: Any, key: str) -> Response:
        return Response(s.BeliefOutput(selectors.belief_get(agent=agent_for(request, pk, "view"), key=key)).data)

    @extend_schema(request=s.BeliefReplaceInput, responses={200: s.BeliefOutput})
    def put(self, request: Request, pk: Any, key: str) -> Response:
        agent = agent_for(request, pk, "change")
        data = s.BeliefReplaceInput.parse(request.data)
        return Response(s.BeliefOutput(bdi.belief_set(agent=agent, key=key, by=actor_of(request), **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, key: str) -> Response:
        agent = agent_for(request, pk, "change")
        bdi.belief_delete(belief=selectors.belief_get(agent=agent, key=key), by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _parent(agent: Agent, data: dict[str, Any]) -> None:
    if data.get("parent"):
        data["parent"] = resolve("parent", lambda: selectors.goal_get(agent=agent, pk=data["parent"]))


class GoalListApi(ListApi):
    authentication_classes = AUTHENTICATION
    output_serializer = s.GoalOutput
    filterset_class = GoalFilter
    ordering_fields = ["priority", "name", "deadline", "created_at", "status"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Goal.objects.none()
        return selectors.goal_list(agent=agent_for(self.request, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        return self.list_response()

    @extend_schema(request=s.GoalInput, responses={201: s.GoalOutput})
    def post(self, request: Request, pk: Any) -> Response:
        agent = agent_for(request, pk, "change")
        data = s.GoalInput.parse(request.data)
        _parent(agent, data)
        goal = bdi.goal_create(agent=agent, by=actor_of(request), **data)
        return Response(s.GoalOutput(goal).data, status=status.HTTP_201_CREATED)


class GoalDetailApi(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(responses={200: s.GoalOutput})
    def get(self, request: Request, pk: Any, goal_id: Any) -> Response:
        return Response(s.GoalOutput(selectors.goal_get(agent=agent_for(request, pk, "view"), pk=goal_id)).data)

    @extend_schema(request=s.GoalUpdateInput, responses={200: s.GoalOutput})
    def patch(self, request: Request, pk: Any, goal_id: Any) -> Response:
        agent = agent_for(request, pk, "change")
        goal = selectors.goal_get(agent=agent, pk=goal_id)
        data = s.GoalUpdateInput.parse(request.data)
        _parent(agent, data)
        return Response(s.GoalOutput(bdi.goal_update(goal=goal, by=actor_of(request), **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, goal_id: Any) -> Response:
        agent = agent_for(request, pk, "change")
        bdi.goal_delete(goal=selectors.goal_get(agent=agent, pk=goal_id), by=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
