"""An agent's admin page as a page about the agent, not an edit form (issue 19, part 4).

``/admin/agents/agent/<id>/change/`` shows who the agent is and what it does: its status (a coloured badge,
with pause / resume / restart buttons that each ask a reason), heartbeat, organization, role, supervisor and
groups; its beliefs as a key/value table; its goal tree, live intentions and last cycles (its mind); its
messages in and out with content previews; its dead letters, subscriptions, pending events and supervision;
a link to its audit trail. The standard form stays one click away, behind "Edit" (``?edit=1``, every POST).

Every read is a selector with a bounded cost, so the page costs the same number of queries for an agent with
two messages as for one with two thousand (tests/agents/agent/test_agent_page.py). Classes only, styled by
mabos/static/mabos/agent_page.css: the CSP refuses inline styles.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.object_permissions import OPERATE, has_object_permission
from agents.agent.models import LIFECYCLE_ACTIONS, Agent
from agents.agent.selectors import agent_get, agent_memberships
from agents.common.admin import agent_link, json_preview, sender_link
from agents.messaging.models import Delivery, Message, delivery_summary
from agents.messaging.selectors import agent_dead_letters_latest, agent_sent_latest, inbox_latest, subscription_list
from agents.reasoning.events.selectors import event_pending_latest, runtime_get
from agents.reasoning.mind import agent_mind
from agents.reasoning.selectors import belief_list
from agents.supervision.health import health_of
from agents.supervision.tables import agent_state
from mabos.display.dates import relative_time
from mabos.errors import NotFound

#: The query parameter that opens the standard change form instead of the page.
EDIT_VAR = "edit"
#: The lifecycle buttons the page offers (each where the agent's status allows it).
PAGE_ACTIONS = ("pause", "resume", "restart")
#: Rows of each list the page shows; the changelists and the API have the rest.
MESSAGES_SHOWN, BELIEFS_SHOWN = 20, 100
#: Characters of a JSON value shown (a message's content, a belief's value, an event's args).
PREVIEW_CHARS = 120


def preview(value: Any) -> str:
    """A JSON value as JSON (not a Python repr), cut to PREVIEW_CHARS: the messages list's preview, longer."""
    return json_preview(value, limit=PREVIEW_CHARS)


def pending_events_html(agent: Agent) -> str:
    """The agent page's queue: its runtime row (due or idle) and the oldest pending events, read-only."""
    runtime = runtime_get(agent=agent)
    if runtime is None:
        return "— (an external agent: it never runs the cycle)"
    events, pending = event_pending_latest(agent=agent)
    if runtime.wake_at is None:
        due = "idle (nothing to do)"
    else:  # "due since 3 s ago", or "due in 4 s" for a timer
        words = "due since {}" if runtime.wake_at <= timezone.now() else "due {}"
        due = format_html(words, relative_time(runtime.wake_at))
    state = format_html("<p>{}; {} cycle(s); {} pending event(s){}</p>", due, runtime.cycle_count, pending,
                        format_html("; last error: {}", runtime.last_error) if runtime.last_error else "")
    if not events:
        return state
    lines = [(e.id, relative_time(e.created_at), e.kind,
              f"{e.source} {e.source_name}".strip() if e.source != "message" else f"message {e.message_id}",
              preview(e.args)) for e in events]
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td><code>{}</code></td></tr>",
                            lines)
    more = format_html("<p>… and {} more (agents/{}/events/ lists them all)</p>", pending - len(events), agent.pk) \
        if pending > len(events) else ""
    return format_html("{}<table class=\"agent-table\"><tr><th>#</th><th>created</th><th>kind</th><th>source</th>"
                       "<th>args</th></tr>{}</table>{}", state, body, more)


@dataclass(frozen=True)
class MessageRow:
    """One line of the messages in or out: the message, its link, who else, and a preview of its content."""

    message: Message
    url: str
    peers: Any  # the other agents, each linked to its page (a person or MABOS as text)
    status: str
    preview: str
    error: str = ""


def _message_url(message: Message) -> str:
    return reverse("admin:agents_message_change", args=[message.pk])


def _incoming(delivery: Delivery) -> MessageRow:
    message = delivery.message
    return MessageRow(message=message, url=_message_url(message), peers=sender_link(message), status=delivery.status,
                      preview=preview(message.content), error=delivery.last_error)


def _outgoing(message: Message) -> MessageRow:
    deliveries = list(message.deliveries.all())  # only those the caller may see (the selector's prefetch)
    shown = deliveries[:3]
    named = format_html_join(", ", "{}", ((agent_link(d.recipient_id, d.recipient.name),) for d in shown))
    more = f" (+{message.recipient_count - len(shown)})" if message.recipient_count > len(shown) else ""
    peers = format_html("{}{}", named if shown else "—", more)
    status = delivery_summary(Counter(delivery.status for delivery in deliveries))
    return MessageRow(message=message, url=_message_url(message), peers=peers, status=status,
                      preview=preview(message.content))


def agent_page_context(*, request: HttpRequest, agent: Agent, model_admin: Any) -> dict[str, Any]:
    """Everything the page shows, read through selectors (a constant number of queries)."""
    user = request.user
    may_operate = has_object_permission(user, OPERATE, agent)
    beliefs = list(belief_list(agent=agent)[:BELIEFS_SHOWN + 1])
    change_url = reverse("admin:agents_agent_change", args=[agent.pk])
    audit = None
    if user.has_perm("auditlog.view_auditevent"):
        audit = reverse("admin:auditlog_auditevent_changelist") + f"?target_type=agents.agent&target_id={agent.pk}"
    return {
        "agent": agent,
        "memberships": list(agent_memberships(agent=agent)),
        "beliefs": [(belief, preview(belief.value)) for belief in beliefs[:BELIEFS_SHOWN]],
        "beliefs_more": len(beliefs) > BELIEFS_SHOWN,
        "subscriptions": list(subscription_list(agent=agent)),
        "messages_in": [_incoming(d) for d in inbox_latest(agent=agent, limit=MESSAGES_SHOWN)],
        "messages_out": [_outgoing(m) for m in agent_sent_latest(user=user, agent=agent, limit=MESSAGES_SHOWN)],
        "dead_letters": [_incoming(d) for d in agent_dead_letters_latest(agent=agent, limit=MESSAGES_SHOWN)],
        "shown": MESSAGES_SHOWN,
        "mind": agent_mind(agent=agent),
        "pending_events": pending_events_html(agent),
        "supervision": agent_state(health_of([agent])[0]),
        "may_operate": may_operate,
        "may_change": model_admin.has_change_permission(request, agent),
        "actions": [action for action in PAGE_ACTIONS if agent.status in LIFECYCLE_ACTIONS[action][0]]
        if may_operate else [],
        "edit_url": f"{change_url}?{EDIT_VAR}=1",
        "send_url": reverse("admin:agents_agent_send", args=[agent.pk]) if may_operate else "",
        "audit_url": audit,
        "sent_url": reverse("admin:agents_message_changelist") + f"?sender_agent={agent.pk}",
        "dead_url": reverse("admin:agents_deadletter_changelist") + f"?recipient={agent.pk}",
    }


def _agent(request: HttpRequest, pk: Any) -> Agent:
    try:
        return agent_get(user=request.user, pk=pk)  # with its organization, role and supervisor: one query
    except NotFound:
        raise Http404("No such agent.") from None


def page_view(model_admin: Any, request: HttpRequest, object_id: str) -> HttpResponse:
    """The page (a GET of the change URL without ``?edit``)."""
    agent = _agent(request, object_id)
    context = {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta,
               "original": agent, "title": agent.name, "subtitle": None, "has_view_permission": True,
               **agent_page_context(request=request, agent=agent, model_admin=model_admin),
               # Who may view, change, operate and delete it (accounts/admin_grants.py), as on its access page.
               "access": model_admin.access_context(request, agent, next_url=request.get_full_path())}
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/agents/agent/page.html", context)


class LifecycleForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in PAGE_ACTIONS])
    reason = forms.CharField(max_length=500, strip=True)


def lifecycle_view(model_admin: Any, request: HttpRequest, pk: Any) -> HttpResponse:
    """POST a pause, resume or restart with its reason (operate needed: 404 if not visible, 403 if not
    allowed); the same service and audit as the changelist's actions. Redirects back to the page."""
    agent = _agent(request, pk)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    if not has_object_permission(request.user, OPERATE, agent):
        raise DjangoPermissionDenied("You may not operate this agent.")
    form = LifecycleForm(request.POST)
    if form.is_valid():
        model_admin.agents_transition(request, [agent], form.cleaned_data["action"],
                                      reason=form.cleaned_data["reason"])
    else:
        errors = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in form.errors.items())
        model_admin.message_user(request, f"Nothing was done ({errors}).", messages.ERROR)
    return HttpResponseRedirect(reverse("admin:agents_agent_change", args=[agent.pk]))
