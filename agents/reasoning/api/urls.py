"""/api/v1/ routes of beliefs, goals, events, intentions and the trace."""

from django.urls import path, register_converter

from agents.common.limits import BELIEF_KEY_REGEX
from agents.reasoning.api.beliefs import BeliefDetailApi, BeliefListApi
from agents.reasoning.api.events import EventListApi
from agents.reasoning.api.goals import GoalDetailApi, GoalListApi
from agents.reasoning.api.intentions import IntentionDetailApi, IntentionDropApi, IntentionListApi
from agents.reasoning.api.trace import TraceListApi


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
    path("agents/<uuid:pk>/intentions/", IntentionListApi.as_view(), name="agent-intentions"),
    path("agents/<uuid:pk>/intentions/<uuid:intention_id>/", IntentionDetailApi.as_view(),
         name="agent-intention-detail"),
    path("agents/<uuid:pk>/intentions/<uuid:intention_id>/drop/", IntentionDropApi.as_view(),
         name="agent-intention-drop"),
    path("agents/<uuid:pk>/trace/", TraceListApi.as_view(), name="agent-trace"),
]
