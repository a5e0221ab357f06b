"""Shapes of approvals/: a request as people see it, and the comment of a decision."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.common.limits import APPROVAL_COMMENT_MAX
from agents.reasoning.approvals.models import ApprovalRequest
from mabos.api.serializers import InputSerializer


class ApprovalOutput(serializers.ModelSerializer):
    """What an agent asks (``question``), of whom (``of``), why (``plan``, ``step``: the plan and step that
    asked), until when (``deadline``), and the answer (``status``, ``decided_by``, ``comment``)."""

    organization = serializers.SerializerMethodField(help_text="The agent's organization.")
    decided_by = serializers.SerializerMethodField(help_text="The username of who decided (none when expired).")

    class Meta:
        model = ApprovalRequest
        fields = ["id", "agent", "organization", "intention", "name", "question", "of", "plan", "plan_version",
                  "step", "status", "deadline", "decided_by", "decided_at", "comment", "created_at"]

    def get_organization(self, obj: ApprovalRequest) -> str:
        return str(obj.agent.organization_id)

    def get_decided_by(self, obj: ApprovalRequest) -> str | None:
        return obj.decided_by.get_username() if obj.decided_by_id else None


class ApprovalDecisionInput(InputSerializer):
    comment = serializers.CharField(max_length=APPROVAL_COMMENT_MAX, required=False, default="", allow_blank=True,
                                    help_text="Why (shown to the agent as the event's note, kept in the audit log).")


def approval_data(request: ApprovalRequest) -> dict[str, Any]:
    return ApprovalOutput(request).data
