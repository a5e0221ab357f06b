"""Approval requests in the admin: the requests of agents the staff member may view, approved or rejected
with the changelist's actions (through ``approval_decide``, so the same rules and the same audit as the API).

The change page is read-only: the question, who it is asked of, the agent's reason (the plan and step that
asked, and the words of its recent cycles: agents/reasoning/trace/words.py) and the answer.

``<id>/decide/`` (``admin:agents_approvalrequest_decide``) is the dashboard's Approve / Reject: a POST of
``decision`` (approved | rejected), an optional ``comment`` and ``next``, through the same rule and service as
the actions. A refusal (decided already, expired, no longer waited for, or a caller who may not decide it)
is an error message and changes nothing; a request the caller cannot see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from agents.common.admin import ReadOnlyAdmin
from agents.reasoning.approvals.access import approval_decide_allowed
from agents.reasoning.approvals.models import OPERATORS, ApprovalRequest, ApprovalStatus
from agents.reasoning.approvals.selectors import approval_get, approval_list, approval_traces
from agents.reasoning.approvals.services import approval_decide
from agents.reasoning.approvals.services.decisions import DECISIONS
from agents.reasoning.trace.words import trace_words
from mabos.errors import DomainError, NotFound


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

    def get_urls(self) -> list:
        decide = path("<uuid:pk>/decide/", self.admin_site.admin_view(self.decide_view),
                      name="agents_approvalrequest_decide")
        return [decide, *super().get_urls()]

    def decide_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        """POST one decision (see the module); back to ``next`` (a page of this site) with the outcome said."""
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        try:
            approval = approval_get(user=request.user, pk=pk)
        except NotFound:
            raise Http404("No such approval request.") from None
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = reverse("admin:agents_approvalrequest_change", args=[approval.pk])
        what = f"“{approval.name}” of {approval.agent.name} ({approval.agent.organization.name})"
        decision = request.POST.get("decision", "")
        if decision not in DECISIONS:
            self.message_user(request, f"Nothing was decided: decision must be one of {', '.join(DECISIONS)}, "
                                       f"not {decision!r}.", messages.ERROR)
        elif not approval_decide_allowed(request.user, approval):
            who = ("operate on the organization" if approval.of == OPERATORS
                   else f"membership of the {approval.of} role")
            self.message_user(request, f"Not decided: you may not decide {what}; it takes {who}.", messages.ERROR)
        else:
            try:
                approval_decide(request=approval, by=request.user, decision=decision,
                                comment=request.POST.get("comment", ""))
            except DomainError as exc:
                named = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in getattr(exc, "fields", {}).items())
                self.message_user(request, f"Not decided: {what}: {named or exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{decision.capitalize()} {what}.", messages.SUCCESS)
        return HttpResponseRedirect(back)

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
