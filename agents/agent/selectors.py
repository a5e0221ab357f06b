"""Agents, groups and memberships as the caller may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from agents.agent.access import AGENT_RELATED, agents_for
from agents.agent.models import Agent, AgentGroup, Membership
from agents.common.selectors import get_visible
from agents.organization.access import organizations_for
from agents.organization.models import Organization


def agent_list(*, user: Any, organization: Organization | None = None) -> QuerySet[Agent]:
    qs = agents_for(user).select_related(*AGENT_RELATED).order_by("organization__name",
                                                                                         "name", "pk")
    return qs.filter(organization=organization) if organization else qs


def agent_get(*, user: Any, pk: Any) -> Agent:
    return get_visible(agent_list(user=user), "agent", pk=pk)


def group_list(*, user: Any) -> QuerySet[AgentGroup]:
    return (AgentGroup.objects.filter(organization_id__in=organizations_for(user).values("pk"))
            .select_related("organization").annotate(member_count=Count("memberships", distinct=True))
            .order_by("organization__name", "name", "pk"))


def group_get(*, user: Any, pk: Any) -> AgentGroup:
    return get_visible(group_list(user=user), "group", pk=pk)


def agent_memberships(*, agent: Agent) -> QuerySet[Membership]:
    """The groups an agent is in, with each group (one query; the caller may see the agent, so its groups)."""
    return agent.memberships.select_related("group", "agent").order_by("group__name", "pk")


def membership_list(*, group: AgentGroup) -> QuerySet[Membership]:
    return group.memberships.select_related("agent").order_by("role", "agent__name", "pk")


def membership_get(*, group: AgentGroup, agent_id: Any) -> Membership:
    return get_visible(membership_list(group=group), "membership", agent_id=agent_id)
