"""The ``since`` query parameter of the lists a client polls (the trace, the supervision events): a row's id
(the rows after it: poll with the newest id you hold) or an ISO-8601 time or date (the rows at or after it;
naive is UTC). A bad value is a 400 naming the parameter."""

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


class SinceField(forms.CharField):
    def __init__(self, *args: Any, noun: str = "row", **kwargs: Any) -> None:
        self.noun = noun
        super().__init__(*args, **kwargs)

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
            raise forms.ValidationError(f"A {self.noun}'s id, or an ISO-8601 time (2024-01-01T09:00:00Z).")
        return ("at", moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC))


@extend_schema_field(OpenApiTypes.STR)
class SinceFilter(django_filters.Filter):
    """Rows after an id (``id`` greater) or from a time (``at`` at or after): the model needs both columns."""

    field_class = SinceField

    def __init__(self, *args: Any, noun: str = "row", **kwargs: Any) -> None:
        super().__init__(*args, noun=noun, **kwargs)

    def filter(self, qs: QuerySet, value: tuple[str, Any] | None) -> QuerySet:
        if not value:
            return qs
        kind, bound = value
        return qs.filter(id__gt=bound) if kind == "id" else qs.filter(at__gte=bound)
