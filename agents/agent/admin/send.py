"""Sending a message from the admin, as an agent the person operates (issue 19, part 3).

The admin door to the same ``message_send`` as POST /api/v1/messages/, through the same rule of who may
speak as whom (``sender_resolve``: missing or invisible sender 404, visible but not operable 403). The send
is audited as a person speaking as the agent: the event's actor is the person, its changes name the agent.

Recipients are chosen by name among the sender's organization: agents, a group, a role, a topic (what the
service accepts). The content is typed as JSON; a malformed text is an error on that field and nothing is
written. A hidden idempotency key, minted when the form is shown, makes a second click (or a resubmitted
POST) return the first message instead of sending it twice; after a send the browser is redirected to
the message's page (post/redirect/get).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from accounts.object_permissions import OPERATE
from agents.agent.access import agents_for
from agents.agent.models import Agent, AgentStatus
from agents.agent.selectors import agent_list, group_list
from agents.common.admin import run_service
from agents.common.forms import QualifiedChoiceField, QualifiedMultipleChoiceField, qualified_labels
from agents.messaging.access import sender_resolve
from agents.messaging.models import Performative
from agents.messaging.services.send import message_send
from agents.organization.selectors import role_list
from mabos.errors import NotFound, PermissionDenied

#: Rows of the recipients' list box: enough to choose from without scrolling a small organization.
RECIPIENT_ROWS = 8


class RecipientField(QualifiedMultipleChoiceField):
    """Agents by name; one that cannot receive now says so in its label (the service would refuse it)."""

    def label_from_instance(self, obj: Agent) -> str:
        return obj.name if obj.status == AgentStatus.ACTIVE else f"{obj.name} ({obj.status})"


class SendForm(forms.Form):
    performative = forms.ChoiceField(choices=Performative.choices, initial=Performative.INFORM,
                                     help_text="The FIPA-ACL communicative act.")
    to = RecipientField(queryset=Agent.objects.none(), required=False, label="To agents",
                        widget=forms.SelectMultiple(attrs={"size": RECIPIENT_ROWS}),
                        help_text="Agents of the organization, by name (Ctrl/⌘-click for several).")
    group = QualifiedChoiceField(queryset=None, required=False, label="To a group",
                                 help_text="Every member of the group that can receive now.")
    role = QualifiedChoiceField(queryset=None, required=False, label="To a role",
                                help_text="Every agent of the organization holding the role.")
    topic = forms.CharField(required=False, max_length=200, label="To a topic",
                            help_text="The agents subscribed to it (for example sales.orders).")
    content = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
                              help_text='JSON, for example {"text": "Hello"}. Empty: no content.')
    conversation_id = forms.UUIDField(required=False, label="Conversation",
                                      help_text="Optional: the id of a conversation to continue.")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def __init__(self, *args: Any, sender: Agent, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = sender.organization
        self.fields["to"].queryset = agent_list(user=user, organization=org).exclude(pk=sender.pk)
        self.fields["group"].queryset = group_list(user=user).filter(organization=org)
        self.fields["role"].queryset = role_list(user=user).filter(agents__organization=org).distinct()
        if not self.is_bound:
            self.fields["idempotency_key"].initial = f"admin-{uuid.uuid4()}"

    def clean_content(self) -> Any:
        text = self.cleaned_data.get("content", "").strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}.") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("to") or data.get("group") or data.get("role") or data.get("topic")):
            self.add_error("to", "Name at least one recipient: agents, a group, a role or a topic.")
        return data


def _sender(request: HttpRequest, pk: Any) -> tuple[Any, Agent]:
    """(organization, sender) if ``request.user`` may speak as agent ``pk``: the API's rule, as HTTP errors."""
    try:
        organization, agent, _audited = sender_resolve(request.user, {"sender": pk})
    except NotFound:
        raise Http404("No such agent.") from None
    except PermissionDenied:
        raise DjangoPermissionDenied("You may not operate this agent (send as it).") from None
    return organization, agent


def send_view(model_admin: Any, request: HttpRequest, pk: Any) -> HttpResponse:
    """GET: the form; POST: send as the agent, then redirect to the message (or show the form's errors)."""
    organization, sender = _sender(request, pk)
    form = SendForm(request.POST or None, sender=sender, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = run_service(form, lambda: message_send(
            organization=organization, by=request.user, sender_agent=sender, audit=True,
            performative=data["performative"], content=data["content"], to=[a.pk for a in data["to"]],
            group=data["group"], role=data["role"], topic=data["topic"], conversation_id=data["conversation_id"],
            idempotency_key=data["idempotency_key"]))
        if result is not None:
            message = result.message
            if result.created:
                model_admin.message_user(request, f"Sent {message.performative} as {sender.name} to "
                                                  f"{message.recipient_count} recipient(s).", messages.SUCCESS)
            else:
                model_admin.message_user(request, "This form was already sent: here is the message it sent.",
                                         messages.INFO)
            return HttpResponseRedirect(reverse("admin:agents_message_change", args=[message.pk]))
    context = {**model_admin.admin_site.each_context(request), "form": form, "sender": sender,
               "title": f"Send a message as {sender.name}", "opts": model_admin.model._meta, "original": sender}
    return render(request, "admin/agents/agent/send.html", context, status=400 if form.errors else 200)


def send_choose_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """The messages list's "Send a message": first choose the agent to speak as (among those one may operate)."""
    operable = list(agents_for(request.user, OPERATE).select_related("organization")
                    .order_by("organization__name", "name", "pk"))
    chosen = request.GET.get("sender", "")
    if chosen and any(str(agent.pk) == chosen for agent in operable):
        return HttpResponseRedirect(reverse("admin:agents_agent_send", args=[chosen]))
    labels = qualified_labels(operable)
    context = {**model_admin.admin_site.each_context(request), "title": "Send a message",
               "opts": model_admin.model._meta, "senders": [(agent.pk, labels[agent.pk]) for agent in operable],
               "unknown": bool(chosen)}
    return render(request, "admin/agents/agent/send_choose.html", context, status=404 if chosen else 200)
