"""Organizations and roles as the caller may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from agents.common.selectors import get_visible
from agents.common.validation import parse_uuid
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


def organization_named(value: str) -> Organization | None:
    """The organization with this slug or id, whoever asks: for the operator's management commands, which
    run with the server's rights and name an organization the way a person types it."""
    pk = parse_uuid(value)
    return Organization.objects.filter(pk=pk).first() if pk else Organization.objects.filter(slug=value).first()
