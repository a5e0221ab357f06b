"""/api/v1/ routes of learning: a plan's stats, selection policies, a group's sharing switch."""

from django.urls import path

from agents.learning.api.policies import SelectionPolicyDetailApi, SelectionPolicyListApi
from agents.learning.api.sharing import GroupLearningApi
from agents.learning.api.stats import PlanStatsApi

urlpatterns = [
    path("plans/<uuid:pk>/stats/", PlanStatsApi.as_view(), name="plan-stats"),
    path("selection-policies/", SelectionPolicyListApi.as_view(), name="selection-policies"),
    path("selection-policies/<uuid:pk>/", SelectionPolicyDetailApi.as_view(), name="selection-policy-detail"),
    path("groups/<uuid:pk>/learning/", GroupLearningApi.as_view(), name="group-learning"),
]
