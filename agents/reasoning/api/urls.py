"""/api/v1/ routes of beliefs, goals and events."""

from django.urls import path, register_converter

from agents.common.limits import BELIEF_KEY_REGEX
from agents.reasoning.api.beliefs import BeliefDetailApi, BeliefListApi
from agents.reasoning.api.events import EventListApi
from agents.reasoning.api.goals import GoalDetailApi, GoalListApi


class BeliefKeyConverter:
    """Only what a belief key can be (``BELIEF_KEY_REGEX``): a NUL or garbage in the path is a 404 at the
    router, never a database query PostgreSQL refuses."""

    regex = BELIEF_KEY_REGEX.removeprefix("^").removesuffix("$")

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(BeliefKeyConverter, "belief_key")

urlpatterns = [
    path("agents/<uuid:pk>/beliefs/", BeliefListApi.as_view(), name="agent-beliefs"),
    path("agents/<uuid:pk>/beliefs/<belief_key:key>/", BeliefDetailApi.as_view(), name="agent-belief-detail"),
    path("agents/<uuid:pk>/goals/", GoalListApi.as_view(), name="agent-goals"),
    path("agents/<uuid:pk>/goals/<uuid:goal_id>/", GoalDetailApi.as_view(), name="agent-goal-detail"),
    path("agents/<uuid:pk>/events/", EventListApi.as_view(), name="agent-events"),
]
