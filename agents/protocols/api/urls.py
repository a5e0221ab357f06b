"""/api/v1/ routes of protocol runs."""

from django.urls import path

from agents.protocols.api.runs import RunCancelApi, RunDecideApi, RunDetailApi, RunListApi, RunReplyApi

urlpatterns = [
    path("protocols/", RunListApi.as_view(), name="protocols"),
    path("protocols/<uuid:pk>/", RunDetailApi.as_view(), name="protocol-detail"),
    path("protocols/<uuid:pk>/cancel/", RunCancelApi.as_view(), name="protocol-cancel"),
    path("protocols/<uuid:pk>/decide/", RunDecideApi.as_view(), name="protocol-decide"),
    path("protocols/<uuid:pk>/reply/", RunReplyApi.as_view(), name="protocol-reply"),
]
