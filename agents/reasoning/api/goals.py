"""agents/{id}/goals/: for users with grants, and for the agent's own key."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of, agent_for
from agents.agent.models import Agent
from agents.common.api import ListApi
from agents.common.selectors import resolve
from agents.keys.api.authentication import AGENT_KEY_OR_USER
from agents.reasoning.api.filters import GoalFilter
from agents.reasoning.api.serializers import GoalInput, GoalOutput, GoalUpdateInput
from agents.reasoning.models import Goal
from agents.reasoning.selectors import goal_get, goal_list
from agents.reasoning.services.goals import goal_create, goal_delete, goal_update


def _parent(agent: Agent, data: dict[str, Any]) -> None:
    if data.get("parent"):
        data["parent"] = resolve("parent", lambda: goal_get(agent=agent, pk=data["parent"]))


class GoalListApi(ListApi):
    authentication_classes = AGENT_KEY_OR_USER
    output_serializer = GoalOutput
    filterset_class = GoalFilter
    ordering_fields = ["priority", "name", "deadline", "created_at", "status"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Goal.objects.none()
        return goal_list(agent=agent_for(self.request.user, self.kwargs["pk"], "view"))

    def get(self, request: Request, pk: Any) -> Response:
        """The agent's goals (filter by `status`, `kind`, `parent`)."""
        return self.list_response()

    @extend_schema(request=GoalInput, responses={201: GoalOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Give the agent a goal; an internal agent adopts it on its next cycle. A stopped agent is a 409."""
        agent = agent_for(request.user, pk, "change")
        data = GoalInput.parse(request.data)
        _parent(agent, data)
        goal = goal_create(agent=agent, by=actor_of(request.user), **data)
        return Response(GoalOutput(goal).data, status=status.HTTP_201_CREATED)


class GoalDetailApi(APIView):
    authentication_classes = AGENT_KEY_OR_USER

    @extend_schema(responses={200: GoalOutput})
    def get(self, request: Request, pk: Any, goal_id: Any) -> Response:
        """One goal of the agent, with its status and parent."""
        return Response(GoalOutput(goal_get(agent=agent_for(request.user, pk, "view"), pk=goal_id)).data)

    @extend_schema(request=GoalUpdateInput, responses={200: GoalOutput})
    def patch(self, request: Request, pk: Any, goal_id: Any) -> Response:
        """Change a goal's priority, description, deadline or status."""
        agent = agent_for(request.user, pk, "change")
        goal = goal_get(agent=agent, pk=goal_id)
        data = GoalUpdateInput.parse(request.data)
        _parent(agent, data)
        return Response(GoalOutput(goal_update(goal=goal, by=actor_of(request.user), **data)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: Any, goal_id: Any) -> Response:
        """Delete a goal (and its sub-goals)."""
        agent = agent_for(request.user, pk, "change")
        goal_delete(goal=goal_get(agent=agent, pk=goal_id), by=actor_of(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
