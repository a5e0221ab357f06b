"""Agents, groups and memberships as the caller may see them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet

from agents.agent.access import AGENT_RELATED, agents_for
from agents.agent.models import Agent, AgentGroup, Membership
from agents.common.errors import invalid
from agents.common.models import uuid_text
from agents.common.selectors import get_visible
from agents.common.validation import parse_uuid
from agents.organization.access import organizations_for
from agents.organization.models import AgentRole, Organization
from mabos.errors import NotFound


def agent_list(*, user: Any, organization: Organization | None = None) -> QuerySet[Agent]:
    qs = agents_for(user).select_related(*AGENT_RELATED).order_by("organization__name",
                                                                                         "name", "pk")
    return qs.filter(organization=organization) if organization else qs


def agent_get(*, user: Any, pk: Any) -> Agent:
    return get_visible(agent_list(user=user), "agent", pk=pk)


def agent_status_counts(*, user: Any) -> dict[str, int]:
    """How many agents ``user`` may view are in each status (those with none left out): one GROUP BY."""
    return dict(agents_for(user).values_list("status").annotate(n=Count("pk")).order_by())


def agent_find(*, user: Any, ref: Any, organization_id: Any = None) -> Agent:
    """The agent ``ref`` names: its id, or its slug among the agents the caller may see (in
    ``organization_id`` when given). A slug no visible agent has is a NotFound like a missing id; one that
    several organizations the caller sees use asks for the organization (400 naming it)."""
    pk = parse_uuid(ref)
    if pk is not None:
        return agent_get(user=user, pk=pk)
    qs = agent_list(user=user).filter(slug=str(ref))
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    found = list(qs[:2])
    if len(found) > 1:
        raise invalid("organization", f"Several organizations you can see have an agent {ref!r}: "
                                      "name the organization too.")
    if not found:
        raise NotFound("agent")
    return found[0]


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


def organization_audit_choices(*, limit: int = 200) -> list[tuple[str, str]]:
    """The organizations the audit list may be filtered by (its readers see every event), by name."""
    return [(str(pk), name) for pk, name in Organization.objects.order_by("name").values_list("pk", "name")[:limit]]


def organization_audit_condition(organization_id: str) -> Q | None:
    """The audit events of an organization's own rows (it, its agents, roles and groups), over the events'
    ``target_type`` and textual ``target_id``; None for a value that names no organization."""
    try:
        organization = Organization.objects.filter(pk=organization_id).first()
    except (ValueError, DjangoValidationError):
        return None
    if organization is None:
        return None

    def ids(queryset: QuerySet) -> QuerySet:
        return queryset.filter(organization=organization).annotate(text_id=uuid_text("pk")).values("text_id")

    return (Q(target_type="agents.organization", target_id=str(organization.pk))
            | Q(target_type="agents.agent", target_id__in=ids(Agent.objects.all()))
            | Q(target_type="agents.agentrole", target_id__in=ids(AgentRole.objects.all()))
            | Q(target_type="agents.agentgroup", target_id__in=ids(AgentGroup.objects.all())))
