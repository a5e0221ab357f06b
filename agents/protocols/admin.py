"""Protocol runs in the admin: the runs of organizations (or initiators) the staff member may view, cancelled
with the changelist's action (``run_cancel``: the same rules and audit as the API), and answered by a person
as a participant agent they operate (``<run>/reply/``, ``run_reply``). Any conversation, a run's or not, is
drawn the same way at ``conversation/<id>/?organization=<id>`` (the message page links there): the
messages and recipients the staff member may view (``conversation_get``).

The change page is read-only and shows the conversation as a sequence diagram drawn here, server-side
(``diagram.sequence_svg``), styled by mabos/static/mabos/protocols.css (classes only: the CSP).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.object_permissions import OPERATE, has_object_permission
from agents.common.admin import ReadOnlyAdmin, agent_link, run_service
from agents.common.validation import parse_uuid
from agents.messaging.models import Performative
from agents.messaging.selectors import conversation_get
from agents.protocols.access import run_cancel_allowed
from agents.protocols.diagram import sequence_svg
from agents.protocols.models import ProtocolRun
from agents.protocols.people import run_cancel, run_reply
from agents.protocols.selectors import run_get, run_list, run_messages
from agents.protocols.transitions import allowed
from mabos.errors import DomainError, NotFound


class ReplyForm(forms.Form):
    sender = forms.ChoiceField(label="as", help_text="A participant agent you operate.")
    performative = forms.ChoiceField(choices=Performative.choices)
    content = forms.JSONField(required=False, help_text="JSON (optional).")

    def __init__(self, *args: Any, senders: list[tuple[str, str]], choices: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sender"].choices = senders
        if choices:
            self.fields["performative"].initial = choices[0]


@admin.register(ProtocolRun)
class ProtocolRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "protocol", "performative", "initiator", "participants", "state", "phase",
                    "deadline", "organization"]
    list_filter = ["protocol", "state"]
    search_fields = ["=id", "=initiator__id"]
    actions = ["cancel"]
    fields = ["id", "organization", "protocol", "performative", "initiator", "intention_id", "state", "phase",
              "response_by", "result_by", "content", "result", "reason", "rejected", "created_at",
              "finished_at", "answer"]
    readonly_fields = fields
    show_full_result_count = False
    change_form_template = "admin/agents/protocolrun/change_form.html"  # the sequence diagram

    class Media:
        css = {"all": ["mabos/protocols.css"]}  # classes, no inline style (the CSP)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return run_list(user=request.user)

    def get_urls(self) -> list:
        reply = path("<uuid:pk>/reply/", self.admin_site.admin_view(self.reply_view), name="agents_protocolrun_reply")
        conversation = path("conversation/<uuid:conversation_id>/", self.admin_site.admin_view(self.conversation_view),
                            name="agents_conversation_diagram")
        return [reply, conversation, *super().get_urls()]

    def conversation_view(self, request: HttpRequest, conversation_id: Any) -> HttpResponse:
        """A conversation as a sequence diagram, with the caller's grants: one they may not view is a 404,
        like one that does not exist; a malformed ``organization`` is a 400 naming it."""
        organization = request.GET.get("organization") or None
        if organization is not None and parse_uuid(organization) is None:
            return HttpResponseBadRequest("organization: not an organization id.")
        try:
            found = conversation_get(user=request.user, conversation_id=conversation_id, organization=organization)
        except NotFound:
            raise Http404("No such conversation.") from None
        except DomainError as refused:
            return HttpResponseBadRequest(refused.detail)
        svg = sequence_svg(None, [], found, agent_url=lambda pk: reverse("admin:agents_agent_change", args=[pk]))
        context = {**self.admin_site.each_context(request), "title": f"Conversation {conversation_id}",
                   "opts": self.model._meta, "sequence_svg": mark_safe(svg),  # noqa: S308 (escaped by sequence_svg)
                   "first_message_url": reverse("admin:agents_message_change", args=[found[0].pk]),
                   "media": self.media}
        return render(request, "admin/agents/protocolrun/conversation.html", context)

    @admin.display(description="participants")
    def participants(self, obj: ProtocolRun) -> str:
        return format_html_join(", ", "{}", ((agent_link(session.participant_id, session.participant.name),)
                                             for session in obj.sessions.all()))

    @admin.display(description="deadline in force")
    def deadline(self, obj: ProtocolRun) -> Any:
        if not obj.waiting:
            return "—"
        return obj.result_by if obj.state == "awaiting_result" else obj.response_by

    @admin.display(description="answer as a participant")
    def answer(self, obj: ProtocolRun) -> str:
        if not obj.waiting:
            return "the run is closed"
        return format_html('<a href="{}">Answer a step as a participant you operate</a>',
                           reverse("admin:agents_protocolrun_reply", args=[obj.pk]))

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: ProtocolRun | None = None) -> Any:
        """The diagram, read per request (nothing kept on ``self``: one instance serves every thread)."""
        if obj is not None and obj.pk:
            svg = sequence_svg(obj, list(obj.sessions.all()), run_messages(user=request.user, run=obj),
                               agent_url=lambda pk: reverse("admin:agents_agent_change", args=[pk]))
            context["sequence_svg"] = mark_safe(svg)  # noqa: S308  (sequence_svg escapes every text it draws)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def reply_view(self, request: HttpRequest, pk: Any) -> HttpResponse:
        """The admin door to the same ``run_reply`` as POST /api/v1/protocols/{id}/reply/."""
        try:
            run = run_get(user=request.user, pk=pk)
        except DomainError:
            return HttpResponse(status=404)
        senders = [(str(s.participant_id), s.participant.name) for s in run.sessions.all()
                   if has_object_permission(request.user, OPERATE, s.participant)]
        if not senders:
            return HttpResponse(status=403)
        choices = allowed(run.protocol, run.state)
        form = ReplyForm(request.POST or None, senders=senders, choices=choices)
        if request.method == "POST" and form.is_valid():
            sender = next(s.participant for s in run.sessions.all()
                          if str(s.participant_id) == form.cleaned_data["sender"])
            message = run_service(form, lambda: run_reply(by=request.user, run=run, sender=sender,
                                                          performative=form.cleaned_data["performative"],
                                                          content=form.cleaned_data["content"]))
            if message is not None:
                self.message_user(request, f"Sent {message.performative} as {sender.name}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:agents_protocolrun_change", args=[run.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "run": run, "allowed": choices,
                   "title": f"Answer {run}", "opts": self.model._meta}
        return render(request, "admin/agents/protocolrun/reply.html", context)

    @admin.action(description="Cancel the selected runs")
    def cancel(self, request: HttpRequest, queryset: Any) -> None:
        done, refused = 0, []
        for run in queryset:
            if not run_cancel_allowed(request.user, run):
                refused.append(f"{run}: you may not cancel it")
                continue
            try:
                run_cancel(by=request.user, run=run, reason="cancelled in the admin")
                done += 1
            except DomainError as exc:
                refused.append(f"{run}: {exc.detail}")
        if done:
            self.message_user(request, f"Cancelled {done} run(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

