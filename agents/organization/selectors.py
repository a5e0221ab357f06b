"""Organizations and roles as the caller may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from agents.common.selectors import get_visible
from agents.organization.access import organizations_for
from agents.organization.models import AgentRole, Organization


def organization_list(*, user: Any) -> QuerySet[Organization]:
    return organizations_for(user).annotate(agent_count=Count("agents", distinct=True)).order_by("name", "pk")


def organization_get(*, user: Any, pk: Any) -> Organization:
    return get_visible(organization_list(user=user), "organization", pk=pk)


def role_list(*, user: Any) -> QuerySet[AgentRole]:
    """Global templates (everyone signed in may read them) and the roles of visible organizations."""
    visible = organizations_for(user).values("pk")
    return (AgentRole.objects.filter(Q(organization__isnull=True) | Q(organization_id__in=visible))
            .select_related("organization").order_by("name", "pk"))


def role_get(*, user: Any, pk: Any) -> AgentRole:
    return get_visible(role_list(user=user), "role", pk=pk)
