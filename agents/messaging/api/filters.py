"""Query filters of the message and dead-letter lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.messaging.models import Delivery, Message


class MessageFilter(django_filters.FilterSet):
    conversation_id = django_filters.UUIDFilter(field_name="conversation_id")

    class Meta:
        model = Message
        fields = ["conversation_id"]


class DeadLetterFilter(django_filters.FilterSet):
    recipient = django_filters.UUIDFilter(field_name="recipient_id")

    class Meta:
        model = Delivery
        fields = ["recipient"]
