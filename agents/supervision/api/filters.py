"""Query filters of the policy and event lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agents.supervision.models import SupervisionEvent, SupervisionEventKind, SupervisorPolicy


class PolicyFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    group = django_filters.UUIDFilter(field_name="group_id")

    class Meta:
        model = SupervisorPolicy
        fields = ["organization", "group"]


class SinceField(forms.CharField):
    """An event's id (the events after it) or an ISO-8601 time (events at or after it; naive is UTC)."""

    def clean(self, value: Any) -> tuple[str, Any] | None:
        value = super().clean(value)
        if not value:
            return None
        if value.isdigit() and len(value) <= 18:
            return ("id", int(value))
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            raise forms.ValidationError("An event's id, or an ISO-8601 time (2024-01-01T09:00:00Z).")
        return ("at", moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC))


@extend_schema_field(OpenApiTypes.STR)
class SinceFilter(django_filters.Filter):
    field_class = SinceField

    def filter(self, qs: QuerySet, value: tuple[str, Any] | None) -> QuerySet:
        if not value:
            return qs
        kind, bound = value
        return qs.filter(id__gt=bound) if kind == "id" else qs.filter(at__gte=bound)


class SupervisionEventFilter(django_filters.FilterSet):
    agent = django_filters.UUIDFilter(field_name="agent_id")
    organization = django_filters.UUIDFilter(field_name="organization_id")
    kind = django_filters.MultipleChoiceFilter(choices=SupervisionEventKind.choices)
    since = SinceFilter(help_text="An event's id (the events after it: poll with the newest id you hold) or an "
                                  "ISO-8601 time (the events from then on).")

    class Meta:
        model = SupervisionEvent
        fields = ["agent", "organization", "kind", "since"]
