"""Query filters of the organization and role lists; a bad value is a 400 naming the parameter."""

from __future__ import annotations

import django_filters

from agents.organization.models import AgentRole, Organization


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
