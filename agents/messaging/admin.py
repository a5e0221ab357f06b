"""Messages in the admin: a readable conversation timeline, deliveries per agent, dead letters to redeliver.

Read-only except for redelivery, which goes through the same service as the API
(``dead_letter_redeliver``, audited) and needs operate on each recipient.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import smart_split, unescape_string_literal

from accounts.object_permissions import OPERATE, has_object_permission
from agents.common.admin import ReadOnlyAdmin, agent_link, json_preview, sender_link
from agents.messaging.models import (
    NOT_HANDED_OVER,
    DeadLetter,
    Delivery,
    DeliveryStatus,
    Message,
    delivery_summary,
)
from agents.messaging.selectors import (
    conversation_get,
    dead_letter_list,
    delivery_list,
    message_overview_list,
    message_search,
    messages_with_status,
)
from agents.messaging.services.dead_letters import dead_letter_redeliver
from agents.organization.access import organizations_for
from agents.protocols.selectors import with_visible_run


def timeline(messages_in_order: list[Message]) -> str:
    """One line per message (when, who, act, to whom with each delivery's status)."""
    rows = []
    for msg in messages_in_order:
        recipients = format_html_join(", ", "{} ({}{})", ((agent_link(d.recipient_id, d.recipient.name), d.status,
                                                            f", {d.last_error}" if d.last_error else "")
                                                           for d in msg.deliveries.all()))
        rows.append((msg.created_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], sender_link(msg), msg.performative,
                     recipients or "—", json_preview(msg.content, 200)))
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td><code>{}</code></td></tr>",
                            rows)
    return format_html("<table><tr><th>sent</th><th>from</th><th>act</th><th>to (status)</th><th>content</th>"
                       "</tr>{}</table>", body)


class OrganizationFilter(admin.SimpleListFilter):
    """Only the organizations the staff member may view are offered (a plain field filter names them all)."""

    title = "organization"
    parameter_name = "organization"
    path = "organization"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(pk), name) for pk, name in organizations_for(request.user).order_by("name")
                .values_list("pk", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        try:
            return queryset.filter(**{f"{self.path}_id": uuid.UUID(self.value())})
        except ValueError:
            return queryset.none()


class RecipientOrganizationFilter(OrganizationFilter):
    path = "recipient__organization"


#: ``?status=`` values beyond the statuses themselves.
STATUS_GROUPS = {"in-flight": NOT_HANDED_OVER}


def status_choices() -> list[tuple[str, str]]:
    return [("in-flight", "in flight (pending, dispatched, failed)"),
            *((status, status) for status in DeliveryStatus.values)]


def statuses_of(value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    return tuple(STATUS_GROUPS.get(value, (value,) if value in DeliveryStatus.values else ()))


class MessageStatusFilter(admin.SimpleListFilter):
    """Messages with a delivery (to a recipient the staff member may view) in the status."""

    title = "delivery status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return status_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        statuses = statuses_of(self.value())
        return queryset if statuses is None else messages_with_status(queryset, user=request.user, statuses=statuses)


class DeliveryStatusFilter(MessageStatusFilter):
    title = "status"

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        statuses = statuses_of(self.value())
        return queryset if statuses is None else queryset.filter(status__in=statuses)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The operator's view of traffic: who said what to whom, how far each delivery got, and the thread."""

    list_display = ["created_at", "sender", "recipients", "performative", "preview", "delivery_status",
                    "conversation"]
    list_filter = [OrganizationFilter, "performative", MessageStatusFilter, "created_at"]
    ordering = ["-created_at", "-id"]
    search_fields = ["content"]  # shows the search box; get_search_results says what a term matches
    search_help_text = "An agent's name (sender or recipient), text of the content, or the start of a " \
                       "message or conversation id."
    fields = ["id", "organization", "sender_agent", "sender_user", "performative", "content", "ontology",
              "language", "protocol", "topic", "conversation_id", "reply_with", "in_reply_to", "reply_by",
              "priority", "expires_at", "idempotency_key", "created_at"]
    readonly_fields = fields
    change_form_template = "admin/agents/message/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return with_visible_run(message_overview_list(user=request.user), user=request.user)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """Every term must match (``message_search``); a quoted phrase is one term."""
        terms = [unescape_string_literal(bit) if bit[:1] in "\"'" and len(bit) > 1 and bit[-1] == bit[0] else bit
                 for bit in smart_split(search_term)]
        return message_search(queryset, user=request.user, terms=terms), False

    @admin.display(description="from", ordering="sender_agent__name")
    def sender(self, obj: Message) -> str:
        """The sender, its organization under it (a column of its own would not fit a 1440 px screen)."""
        return format_html('{}<br><span class="mabos-muted">{}</span>', sender_link(obj), obj.organization.name)

    @admin.display(description="to")
    def recipients(self, obj: Message) -> str:
        total = sum(getattr(obj, f"count_{status}", 0) for status in DeliveryStatus.values)
        named = [agent_link(d.recipient_id, d.recipient.name) for d in getattr(obj, "first_deliveries", [])]
        if not total:
            return "—"
        more = f", +{total - len(named)}" if total > len(named) else ""
        return format_html("{}: {}{}", total, format_html_join(", ", "{}", ((name,) for name in named)), more)

    @admin.display(description="content")
    def preview(self, obj: Message) -> str:
        return format_html('<code class="mabos-preview">{}</code>', json_preview(obj.content))

    @admin.display(description="deliveries")
    def delivery_status(self, obj: Message) -> str:
        return delivery_summary({status: getattr(obj, f"count_{status}", 0) for status in DeliveryStatus.values})

    @admin.display(description="conversation", ordering="conversation_id")
    def conversation(self, obj: Message) -> str:
        """The thread: a protocol run's sequence diagram when the conversation is one, else the timeline."""
        if getattr(obj, "has_run", False):
            url = reverse("admin:agents_protocolrun_change", args=[obj.conversation_id]) + "#conversation-diagram"
            return format_html('<a href="{}" title="{}">{}… (diagram)</a>', url, obj.conversation_id,
                               str(obj.conversation_id)[:8])
        url = reverse("admin:agents_message_change", args=[obj.pk]) + "#conversation-timeline"
        return format_html('<a href="{}" title="{}">{}…</a>', url, obj.conversation_id, str(obj.conversation_id)[:8])

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Message | None = None) -> Any:
        """Draw the conversation with the grants of the staff member asking, passed in this request's context.

        Nothing about the request is kept on ``self``: one ModelAdmin instance
        serves every request of every thread (gunicorn gthread), so a user
        stored there while loading one page is read while drawing another's.
        ``obj`` is visible to ``request.user`` (``get_queryset``), so its
        conversation holds at least ``obj``; any error is a real one and shows.
        """
        if obj is not None:
            context["conversation_timeline"] = timeline(
                conversation_get(user=request.user, conversation_id=obj.conversation_id,
                                      organization=obj.organization_id))
            if getattr(obj, "has_run", False):
                context["conversation_diagram_url"] = reverse("admin:agents_protocolrun_change",
                                                              args=[obj.conversation_id]) + "#conversation-diagram"
                context["conversation_diagram_label"] = "Its protocol run, drawn as a sequence diagram"
            else:
                context["conversation_diagram_url"] = (
                    reverse("admin:agents_conversation_diagram", args=[obj.conversation_id])
                    + f"?organization={obj.organization_id}")
                context["conversation_diagram_label"] = "The conversation, drawn as a sequence diagram"
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every delivery the staff member may view, read-only; ``?status=in-flight`` is the dashboard's
    "pending" figure: the deliveries not yet handed over (pending, dispatched, failed)."""

    list_display = ["sent_at", "message_link", "sender", "recipient", "status", "attempts", "next_attempt_at",
                    "last_error"]
    list_filter = [DeliveryStatusFilter, RecipientOrganizationFilter, "sent_at"]
    list_select_related = ["message", "message__sender_agent", "message__sender_user", "recipient"]
    ordering = ["-sent_at", "-seq"]
    search_fields = ["recipient__name", "last_error"]
    readonly_fields = ["id", "message", "recipient", "status", "attempts", "sent_at", "next_attempt_at",
                       "lease_until", "delivered_at", "acked_at", "last_error", "updated_at"]
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return delivery_list(user=request.user)

    @admin.display(description="message", ordering="message__created_at")
    def message_link(self, obj: Delivery) -> str:
        url = reverse("admin:agents_message_change", args=[obj.message_id])
        return format_html('<a href="{}">{}</a>', url, obj.message)

    @admin.display(description="from")
    def sender(self, obj: Delivery) -> str:
        return sender_link(obj.message)


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["updated_at", "recipient", "message", "attempts", "last_error"]
    list_select_related = ["recipient", "message", "message__sender_agent", "message__sender_user"]
    search_fields = ["=id", "=message__id", "last_error"]
    readonly_fields = ["id", "message", "recipient", "status", "attempts", "last_error", "sent_at", "updated_at"]
    fields = readonly_fields
    actions = ["redeliver"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return dead_letter_list(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and self.has_module_permission(request)  # enables the action, never the form

    @admin.action(description="Redeliver the selected dead letters (audited)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        selected = list(queryset.select_related("recipient__organization"))
        allowed = [d for d in selected if has_object_permission(request.user, OPERATE, d.recipient)]
        count = dead_letter_redeliver(deliveries=allowed, by=request.user)
        self.message_user(request, f"Requeued {count} dead letter(s).", messages.SUCCESS)
        if len(allowed) < len(selected):
            self.message_user(request, f"Skipped {len(selected) - len(allowed)}: you may not operate their "
                                       "recipients.", messages.WARNING)
