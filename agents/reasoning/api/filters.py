"""Query filters of the goal and event lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.common.goal_kinds import GoalKind
from agents.reasoning.events.models import AgentEvent, EventKind
from agents.reasoning.models import Goal, GoalStatus


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
