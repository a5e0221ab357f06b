"""Query filters of the goal, event, intention and trace lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.common.filters import SinceFilter
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


class TraceFilter(django_filters.FilterSet):
    since = SinceFilter(noun="trace row", help_text="A trace row's id (the rows after it: poll with the newest id "
                                                    "you hold) or an ISO-8601 time (the cycles from then on).")

    class Meta:
        model = CycleTrace
        fields = ["since"]
