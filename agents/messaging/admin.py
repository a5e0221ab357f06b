"""Messages in the admin: a readable conversation timeline, deliveries per agent, dead letters to redeliver.

Read-only except for redelivery, which goes through the same service as the API
(``dead_letter_redeliver``, audited) and needs operate on each recipient.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.object_permissions import OPERATE, has_object_permission
from agents.common.admin import ReadOnlyAdmin
from agents.messaging.models import NOT_HANDED_OVER, DeadLetter, Delivery, DeliveryStatus, Message
from agents.messaging.selectors import conversation_get, dead_letter_list, message_list
from agents.messaging.services.dead_letters import dead_letter_redeliver


def timeline(messages_in_order: list[Message]) -> str:
    """One line per message (when, who, act, to whom with each delivery's status)."""
    rows = []
    for msg in messages_in_order:
        recipients = ", ".join(f"{d.recipient.name} ({d.status}{', ' + d.last_error if d.last_error else ''})"
                               for d in msg.deliveries.all())
        content = str(msg.content)
        rows.append((msg.created_at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], msg.sender_label, msg.performative,
                     recipients or "—", content[:200] + ("…" if len(content) > 200 else "")))
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td><code>{}</code></td></tr>",
                            rows)
    return format_html("<table><tr><th>sent</th><th>from</th><th>act</th><th>to (status)</th><th>content</th>"
                       "</tr>{}</table>", body)


class DeliveriesFilter(admin.SimpleListFilter):
    """Messages by where their deliveries are: the dashboard's "pending" figure links here."""

    title = "deliveries"
    parameter_name = "deliveries"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "not all handed over (pending, dispatched, failed)"), ("dead", "with a dead letter")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        statuses = {"pending": NOT_HANDED_OVER, "dead": (DeliveryStatus.DEAD,)}.get(self.value() or "")
        if statuses is None:
            return queryset
        return queryset.filter(Exists(Delivery.objects.filter(message=OuterRef("pk"), status__in=statuses)))


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["created_at", "performative", "sender_label", "organization", "recipient_count",
                    "conversation_id"]
    list_filter = ["performative", DeliveriesFilter]
    list_select_related = ["sender_agent", "sender_user", "organization"]
    search_fields = ["=id", "=conversation_id", "ontology", "protocol", "topic"]
    fields = ["id", "organization", "sender_agent", "sender_user", "performative", "content", "ontology",
              "language", "protocol", "topic", "conversation_id", "reply_with", "in_reply_to", "reply_by",
              "priority", "expires_at", "idempotency_key", "created_at"]
    readonly_fields = fields
    change_form_template = "admin/agents/message/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return message_list(user=request.user).select_related("organization")

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
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


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
