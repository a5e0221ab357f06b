"""approvals/: the questions agents put to people, and their answers.

Reading: the requests of agents the caller may view. Deciding: operate on the agent's organization, or
membership of the user role the request names (approvals/access.py): 403 if the caller can see the request,
404 if not. Decided twice or past its deadline: 409 (``approval_decided``, ``approval_expired``). People
only: an agent key gets 401 (no agent-key authentication on these views).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.agent.access import actor_of
from agents.common.api import ListApi
from agents.reasoning.approvals.access import approval_decide_require
from agents.reasoning.approvals.api.serializers import ApprovalDecisionInput, ApprovalOutput, approval_data
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.selectors import approval_get, approval_list
from agents.reasoning.approvals.services import approval_decide


class ApprovalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ApprovalStatus.choices)
    agent = django_filters.UUIDFilter(field_name="agent_id")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "agent"]


class ApprovalListApi(ListApi):
    output_serializer = ApprovalOutput
    filterset_class = ApprovalFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "deadline"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        return approval_list(user=self.request.user)

    def get(self, request: Request) -> Response:
        """Approval requests of the agents you may view, newest first (``?status=pending`` for the open ones)."""
        return self.list_response()


class ApprovalDetailApi(APIView):
    @extend_schema(responses={200: ApprovalOutput})
    def get(self, request: Request, pk: Any) -> Response:
        """One approval request: the question, the plan and step that asked, the deadline and the answer."""
        return Response(approval_data(approval_get(user=request.user, pk=pk)))


class _DecisionApi(APIView):
    decision = ""

    def decide(self, request: Request, pk: Any) -> Response:
        approval = approval_get(user=request.user, pk=pk)
        approval_decide_require(request.user, approval)
        data = ApprovalDecisionInput.parse(request.data)
        decided = approval_decide(request=approval, by=actor_of(request.user), decision=self.decision, **data)
        return Response(approval_data(approval_get(user=request.user, pk=decided.pk)))


class ApprovalApproveApi(_DecisionApi):
    decision = ApprovalStatus.APPROVED

    @extend_schema(request=ApprovalDecisionInput, responses={200: ApprovalOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Approve: the agent's intention continues after the gate (its ``bind`` gets the comment)."""
        return self.decide(request, pk)


class ApprovalRejectApi(_DecisionApi):
    decision = ApprovalStatus.REJECTED

    @extend_schema(request=ApprovalDecisionInput, responses={200: ApprovalOutput})
    def post(self, request: Request, pk: Any) -> Response:
        """Reject, with a comment: the step fails with ``error: rejected`` (the plan's -!g recovery may run)."""
        return self.decide(request, pk)
