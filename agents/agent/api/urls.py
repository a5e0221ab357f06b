"""/api/v1/ routes of agents (with lifecycle actions) and groups (with members)."""

from django.urls import path

from agents.agent.api.agents import AgentDetailApi, AgentListApi, AgentPauseApi, AgentRestartApi, AgentResumeApi
from agents.agent.api.groups import GroupDetailApi, GroupListApi, GroupMemberDetailApi, GroupMemberListApi

urlpatterns = [
    path("groups/", GroupListApi.as_view(), name="group-list"),
    path("groups/<uuid:pk>/", GroupDetailApi.as_view(), name="group-detail"),
    path("groups/<uuid:pk>/members/", GroupMemberListApi.as_view(), name="group-members"),
    path("groups/<uuid:pk>/members/<uuid:agent_id>/", GroupMemberDetailApi.as_view(), name="group-member-detail"),
    path("agents/", AgentListApi.as_view(), name="agent-list"),
    path("agents/<uuid:pk>/", AgentDetailApi.as_view(), name="agent-detail"),
    path("agents/<uuid:pk>/pause/", AgentPauseApi.as_view(), name="agent-pause"),
    path("agents/<uuid:pk>/resume/", AgentResumeApi.as_view(), name="agent-resume"),
    path("agents/<uuid:pk>/restart/", AgentRestartApi.as_view(), name="agent-restart"),
]
