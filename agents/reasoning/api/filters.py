"""Query filters of the goal, event, intention and trace lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agents.common.goal_kinds import GoalKind
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.intentions.models import Intention, IntentionStatus
from agents.reasoning.models import Goal, GoalStatus
from agents.reasoning.trace.models import CycleTrace


class GoalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=GoalStatus.choices)
    kind = django_filters.ChoiceFilter(choices=GoalKind.choices)
    parent = django_filters.UUIDFilter(field_name="parent_id")

    class Meta:
        model = Goal
        fields = ["status", "kind", "parent"]


class EventFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=EventKind.choices)

    class Meta:
        model = AgentEvent
        fields = ["kind"]


class IntentionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IntentionStatus.choices)

    class Meta:
        model = Intention
        fields = ["status"]


class SinceField(forms.CharField):
    """A trace row's id (rows after it) or an ISO-8601 time (rows of cycles at or after it; naive is UTC)."""

    def clean(self, value: Any) -> tuple[str, Any] | None:
        value = super().clean(value)
        if not value:
            return None
        if value.isdigit() and len(value) <= 18:
            return ("id", int(value))
        try:
            moment = parse_datetime(value)
            day = parse_date(value) if moment is None else None
        except ValueError:
            moment = day = None
        if day is not None:
            moment = datetime.datetime.combine(day, datetime.time())
        if moment is None:
            raise forms.ValidationError("A trace row's id, or an ISO-8601 time (2024-01-01T09:00:00Z).")
        return ("at", moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC))


@extend_schema_field(OpenApiTypes.STR)
class SinceFilter(django_filters.Filter):
    field_class = SinceField

    def filter(self, qs: QuerySet, value: tuple[str, Any] | None) -> QuerySet:
        if not value:
            return qs
        kind, bound = value
        return qs.filter(id__gt=bound) if kind == "id" else qs.filter(at__gte=bound)


class TraceFilter(django_filters.FilterSet):
    since = SinceFilter(help_text="A trace row's id (the rows after it: poll with the newest id you hold) or an "
                                  "ISO-8601 time (the cycles from then on).")

    class Meta:
        model = CycleTrace
        fields = ["since"]
