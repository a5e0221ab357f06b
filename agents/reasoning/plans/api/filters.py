"""Query filters of the plan list; a bad value is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import django_filters

from agents.reasoning.plans.models import Plan
from agents.reasoning.plans.triggers import TriggerKind


class PlanFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    role = django_filters.UUIDFilter(field_name="role_id")
    is_template = django_filters.BooleanFilter(field_name="organization", lookup_expr="isnull")
    enabled = django_filters.BooleanFilter()
    trigger_kind = django_filters.ChoiceFilter(choices=TriggerKind.choices, method="current_trigger_kind")
    trigger_name = django_filters.CharFilter(method="current_trigger_name", max_length=200)

    class Meta:
        model = Plan
        fields = ["organization", "role", "is_template", "enabled", "trigger_kind", "trigger_name"]

    def current_trigger_kind(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(versions__is_current=True, versions__trigger_kind=value)

    def current_trigger_name(self, queryset: Any, name: str, value: str) -> Any:
        return queryset.filter(versions__is_current=True, versions__trigger_name=value)
