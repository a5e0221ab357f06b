"""/api/v1/ routes of approval gates."""

from django.urls import path

from agents.reasoning.approvals.api.approvals import (
    ApprovalApproveApi,
    ApprovalDetailApi,
    ApprovalListApi,
    ApprovalRejectApi,
)

urlpatterns = [
    path("approvals/", ApprovalListApi.as_view(), name="approvals"),
    path("approvals/<uuid:pk>/", ApprovalDetailApi.as_view(), name="approval-detail"),
    path("approvals/<uuid:pk>/approve/", ApprovalApproveApi.as_view(), name="approval-approve"),
    path("approvals/<uuid:pk>/reject/", ApprovalRejectApi.as_view(), name="approval-reject"),
]
