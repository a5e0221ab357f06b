"""/api/v1/ routes of supervision: policies, events, an agent's health and heartbeat."""

from django.urls import path

from agents.supervision.api.events import SupervisionEventDetailApi, SupervisionEventListApi
from agents.supervision.api.health import AgentHealthApi
from agents.supervision.api.heartbeats import AgentHeartbeatApi
from agents.supervision.api.policies import PolicyDetailApi, PolicyListApi

urlpatterns = [
    path("supervision/policies/", PolicyListApi.as_view(), name="supervision-policies"),
    path("supervision/policies/<uuid:pk>/", PolicyDetailApi.as_view(), name="supervision-policy-detail"),
    path("supervision/events/", SupervisionEventListApi.as_view(), name="supervision-events"),
    path("supervision/events/<int:pk>/", SupervisionEventDetailApi.as_view(), name="supervision-event-detail"),
    path("agents/<uuid:pk>/health/", AgentHealthApi.as_view(), name="agent-health"),
    path("agents/<uuid:pk>/heartbeat/", AgentHeartbeatApi.as_view(), name="agent-heartbeat"),
]
