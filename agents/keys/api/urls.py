"""/api/v1/ routes of agent keys."""

from django.urls import path

from agents.keys.api.keys import AgentKeyListApi, AgentKeyRevokeApi

urlpatterns = [
    path("agents/<uuid:pk>/keys/", AgentKeyListApi.as_view(), name="agent-keys"),
    path("agents/<uuid:pk>/keys/<uuid:key_id>/revoke/", AgentKeyRevokeApi.as_view(), name="agent-key-revoke"),
]
