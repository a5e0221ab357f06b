"""Query filters of the message and dead-letter lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from agents.messaging.models import Delivery, Message


class MessageFilter(django_filters.FilterSet):
    conversation_id = django_filters.UUIDFilter(field_name="conversation_id")
    agent = django_filters.UUIDFilter(method="sent_or_received",
                                      help_text="Only the messages this agent sent or received (an agent's "
                                                "`messages` link).")

    class Meta:
        model = Message
        fields = ["conversation_id", "agent"]

    def sent_or_received(self, queryset: QuerySet[Message], name: str, value: UUID | None) -> Any:
        if value is None:
            return queryset
        received = Exists(Delivery.objects.filter(message=OuterRef("pk"), recipient_id=value))
        return queryset.filter(Q(sender_agent_id=value) | received)


class DeadLetterFilter(django_filters.FilterSet):
    recipient = django_filters.UUIDFilter(field_name="recipient_id")

    class Meta:
        model = Delivery
        fields = ["recipient"]
