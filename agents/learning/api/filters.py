"""Query filters of the selection policy list; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.learning.models import SelectionPolicy


class SelectionPolicyFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    trigger_kind = django_filters.CharFilter(max_length=16, help_text="Empty (``?trigger_kind=``) is not a filter; "
                                                                      "the defaults have none.")
    trigger_name = django_filters.CharFilter(max_length=200)

    class Meta:
        model = SelectionPolicy
        fields = ["organization", "trigger_kind", "trigger_name"]
