"""Reads that depend on who asks. Missing and not-allowed look the same: NotFound (404)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from agents.access import agents_for, organizations_for
from agents.models import (
    Agent,
    AgentApiKey,
    AgentGroup,
    AgentRole,
    Belief,
    Goal,
    Membership,
    Organization,
    Subscription,
)
from mabos.errors import NotFound


def _get(qs: QuerySet, what: str, **lookup: Any) -> Any:
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound(what) from None


def organization_list(*, user: Any) -> QuerySet[Organization]:
    return organizations_for(user).annotate(agent_count=Count("agents", distinct=True)).order_by("name", "pk")


def organization_get(*, user: Any, pk: Any) -> Organization:
    return _get(organization_list(user=user), "organization", pk=pk)


def role_list(*, user: Any) -> QuerySet[AgentRole]:
    """Global templates (everyone signed in may read them) and the roles of visible organizations."""
    visible = organizations_for(user).values("pk")
    return (AgentRole.objects.filter(Q(organization__isnull=True) | Q(organization_id__in=visible))
            .select_related("organization").order_by("name", "pk"))


def role_get(*, user: Any, pk: Any) -> AgentRole:
    return _get(role_list(user=user), "role", pk=pk)


def agent_list(*, user: Any, organization: Organization | None = None) -> QuerySet[Agent]:
    qs = agents_for(user).select_related("organization", "role", "supervisor").order_by("organization__name",
                                                                                         "name", "pk")
    return qs.filter(organization=organization) if organization else qs


def agent_get(*, user: Any, pk: Any) -> Agent:
    return _get(agent_list(user=user), "agent", pk=pk)


def group_list(*, user: Any) -> QuerySet[AgentGroup]:
    return (AgentGroup.objects.filter(organization_id__in=organizations_for(user).values("pk"))
            .select_related("organization").annotate(member_count=Count("memberships", distinct=True))
            .order_by("organization__name", "name", "pk"))


def group_get(*, user: Any, pk: Any) -> AgentGroup:
    return _get(group_list(user=user), "group", pk=pk)


def membership_list(*, group: AgentGroup) -> QuerySet[Membership]:
    return group.memberships.select_related("agent").order_by("role", "agent__name", "pk")


def membership_get(*, group: AgentGroup, agent_id: Any) -> Membership:
    return _get(membership_list(group=group), "membership", agent_id=agent_id)


def belief_list(*, agent: Agent) -> QuerySet[Belief]:
    return Belief.objects.filter(agent=agent).order_by("key")


def belief_get(*, agent: Agent, key: str) -> Belief:
    return _get(belief_list(agent=agent), "belief", key=key)


def goal_list(*, agent: Agent) -> QuerySet[Goal]:
    return Goal.objects.filter(agent=agent).order_by("-priority", "created_at", "pk")


def goal_get(*, agent: Agent, pk: Any) -> Goal:
    return _get(goal_list(agent=agent), "goal", pk=pk)


def api_key_list(*, agent: Agent) -> QuerySet[AgentApiKey]:
    return AgentApiKey.objects.filter(agent=agent).order_by("-created_at")


def api_key_get(*, agent: Agent, pk: Any) -> AgentApiKey:
    return _get(api_key_list(agent=agent), "API key", pk=pk)


def subscription_list(*, agent: Agent) -> QuerySet[Subscription]:
    return Subscription.objects.filter(agent=agent).order_by("topic_pattern", "performative")


def subscription_get(*, agent: Agent, pk: Any) -> Subscription:
    return _get(subscription_list(agent=agent), "subscription", pk=pk)
