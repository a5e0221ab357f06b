"""/api/v1/ routes of plans."""

from django.urls import path

from agents.reasoning.plans.api.plans import (
    PlanDetailApi,
    PlanDisableApi,
    PlanEnableApi,
    PlanListApi,
    PlanVersionListApi,
)
from agents.reasoning.plans.api.tell_how import AgentTellHowApi

urlpatterns = [
    path("plans/", PlanListApi.as_view(), name="plan-list"),
    path("plans/<uuid:pk>/", PlanDetailApi.as_view(), name="plan-detail"),
    path("plans/<uuid:pk>/versions/", PlanVersionListApi.as_view(), name="plan-versions"),
    path("plans/<uuid:pk>/disable/", PlanDisableApi.as_view(), name="plan-disable"),
    path("plans/<uuid:pk>/enable/", PlanEnableApi.as_view(), name="plan-enable"),
    path("agents/<uuid:pk>/tell-how/", AgentTellHowApi.as_view(), name="agent-tell-how"),
]
