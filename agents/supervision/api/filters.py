"""Query filters of the policy and event lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.common.filters import SinceFilter
from agents.supervision.models import SupervisionEvent, SupervisionEventKind, SupervisorPolicy


class PolicyFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    group = django_filters.UUIDFilter(field_name="group_id")

    class Meta:
        model = SupervisorPolicy
        fields = ["organization", "group"]


class SupervisionEventFilter(django_filters.FilterSet):
    agent = django_filters.UUIDFilter(field_name="agent_id")
    organization = django_filters.UUIDFilter(field_name="organization_id")
    kind = django_filters.MultipleChoiceFilter(choices=SupervisionEventKind.choices)
    since = SinceFilter(noun="event", help_text="An event's id (the events after it: poll with the newest id you "
                                                "hold) or an ISO-8601 time (the events from then on).")

    class Meta:
        model = SupervisionEvent
        fields = ["agent", "organization", "kind", "since"]
