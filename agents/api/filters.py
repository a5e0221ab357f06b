"""Query filters of the list endpoints (django-filter); a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.models import (
    Agent,
    AgentGroup,
    AgentKind,
    AgentRole,
    AgentStatus,
    Delivery,
    Goal,
    GoalKind,
    GoalStatus,
    Message,
    Organization,
)


class OrganizationFilter(django_filters.FilterSet):
    industry = django_filters.CharFilter(field_name="industry", lookup_expr="iexact")

    class Meta:
        model = Organization
        fields = ["industry"]


class RoleFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    is_template = django_filters.BooleanFilter(field_name="organization", lookup_expr="isnull")

    class Meta:
        model = AgentRole
        fields = ["organization", "is_template"]


class AgentFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")
    role = django_filters.UUIDFilter(field_name="role_id")
    role_slug = django_filters.CharFilter(field_name="role__slug")
    status = django_filters.MultipleChoiceFilter(choices=AgentStatus.choices)
    kind = django_filters.ChoiceFilter(choices=AgentKind.choices)
    supervisor = django_filters.UUIDFilter(field_name="supervisor_id")

    class Meta:
        model = Agent
        fields = ["organization", "role", "role_slug", "status", "kind", "supervisor"]


class GroupFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id")

    class Meta:
        model = AgentGroup
        fields = ["organization"]


class GoalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=GoalStatus.choices)
    kind = django_filters.ChoiceFilter(choices=GoalKind.choices)
    parent = django_filters.UUIDFilter(field_name="parent_id")

    class Meta:
        model = Goal
        fields = ["status", "kind", "parent"]


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
