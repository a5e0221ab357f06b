"""Approval requests in the admin: the requests of agents the staff member may view, approved or rejected
with the changelist's actions (through ``approval_decide``, so the same rules and the same audit as the API).

The change page is read-only: the question, who it is asked of, the agent's reason (the plan and step that
asked, and the words of its recent cycles: agents/reasoning/trace/words.py) and the answer.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from agents.common.admin import ReadOnlyAdmin
from agents.reasoning.approvals.access import approval_decide_allowed
from agents.reasoning.approvals.models import ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.selectors import approval_list, approval_traces
from agents.reasoning.approvals.services import approval_decide
from agents.reasoning.trace.words import trace_words
from mabos.errors import DomainError


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "name", "agent", "organization", "of", "status", "deadline", "decided_by"]
    list_filter = ["status"]
    search_fields = ["=id", "name", "=agent__id", "=intention__id"]
    actions = ["approve", "reject"]
    fields = ["id", "agent", "intention", "name", "question", "of", "reason", "status", "deadline", "decided_by",
              "decided_at", "comment", "created_at", "recent_trace"]
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return approval_list(user=request.user)

    @admin.display(description="organization")
    def organization(self, obj: ApprovalRequest) -> str:
        return str(obj.agent.organization)

    @admin.display(description="the agent's reason")
    def reason(self, obj: ApprovalRequest) -> str:
        version = f" v{obj.plan_version}" if obj.plan_version else ""
        return f"plan `{obj.plan or '(unlabelled)'}`{version}, step {obj.step or '?'}"

    @admin.display(description="its recent cycles (newest first)")
    def recent_trace(self, obj: ApprovalRequest) -> str:
        rows = approval_traces(request=obj)
        if not rows:
            return "no cycles recorded"
        return format_html("<ol>{}</ol>", format_html_join(
            "", "<li>cycle {}: {}</li>", ((row.cycle, "; ".join(trace_words(row))) for row in rows)))

    def _decide(self, request: HttpRequest, queryset: QuerySet, decision: str) -> None:
        done, refused = 0, []
        for approval in queryset:
            if not approval_decide_allowed(request.user, approval):
                refused.append(f"{approval}: you may not decide it")
                continue
            try:
                approval_decide(request=approval, by=request.user, decision=decision, comment="")
                done += 1
            except DomainError as exc:
                refused.append(f"{approval}: {exc.detail}")
        if done:
            self.message_user(request, f"{decision.capitalize()} {done} request(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description="Approve the selected requests")
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, ApprovalStatus.APPROVED)

    @admin.action(description="Reject the selected requests")
    def reject(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, ApprovalStatus.REJECTED)
