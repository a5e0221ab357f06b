"""Query filters of the agent and group lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.agent.models import Agent, AgentGroup, AgentKind, AgentStatus


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
