"""Who a message goes to: listed agents, a group's members, a role's holders, a topic's subscribers.

Each kind costs one query, whatever the number of recipients. Listed agents are
checked strictly (a missing, foreign or inactive one is a 400 naming it); the
expansions (group, role, topic) take the members that can receive now and skip
the rest, because one paused member must not silence a whole team.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from agents.errors import invalid
from agents.models import Agent, AgentGroup, AgentRole, AgentStatus, Membership, Organization, Subscription

RECEIVING = (AgentStatus.ACTIVE,)


@dataclass
class RecipientSpec:
    to: list[Any] = field(default_factory=list)
    group: Any = None
    role: Any = None
    topic: str = ""

    @property
    def empty(self) -> bool:
        return not (self.to or self.group or self.role or self.topic)


def _uuid(field_name: str, value: Any) -> UUID:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise invalid(field_name, f"{value!r} is not a valid id.") from None


def _listed(organization: Organization, ids: list[Any]) -> list[UUID]:
    wanted = list(dict.fromkeys(_uuid("to", pk) for pk in ids))
    rows = {pk: (org, status) for pk, org, status in
            Agent.objects.filter(pk__in=wanted).values_list("pk", "organization_id", "status")}
    for pk in wanted:
        if pk not in rows:
            raise invalid("to", f"No such agent: {pk}.")
        org_id, status = rows[pk]
        if org_id != organization.pk:
            raise invalid("to", f"Agent {pk} belongs to another organization.")
        if status not in RECEIVING:
            raise invalid("to", f"Agent {pk} is {status}: it cannot receive messages now.")
    return wanted


def _group(organization: Organization, group: Any) -> list[UUID]:
    group_id = group.pk if isinstance(group, AgentGroup) else _uuid("group", group)
    if not AgentGroup.objects.filter(pk=group_id, organization=organization).exists():
        raise invalid("group", "No such group in this organization.")
    return list(Membership.objects.filter(group_id=group_id, agent__status__in=RECEIVING)
                .order_by("agent_id").values_list("agent_id", flat=True))


def _role(organization: Organization, role: Any) -> list[UUID]:
    if isinstance(role, AgentRole):
        role_filter = {"role": role}
    else:
        try:
            role_filter = {"role_id": UUID(str(role))}
        except ValueError:
            role_filter = {"role__slug": str(role)}
    ids = list(Agent.objects.filter(organization=organization, status__in=RECEIVING, **role_filter)
               .order_by("pk").values_list("pk", flat=True))
    if not ids and not Agent.objects.filter(organization=organization, **role_filter).exists():
        raise invalid("role", "No agent of this organization holds that role.")
    return ids


def _topic(organization: Organization, topic: str, performative: str) -> list[UUID]:
    rows = Subscription.objects.filter(organization=organization, agent__status__in=RECEIVING) \
        .values_list("agent_id", "topic_pattern", "performative")
    return [agent_id for agent_id, pattern, only in rows
            if fnmatch.fnmatchcase(topic, pattern) and (not only or only == performative)]


def resolve_recipients(*, organization: Organization, spec: RecipientSpec, performative: str,
                       sender_agent_id: Any = None, limit: int) -> list[UUID]:
    """The distinct recipient ids, listed ones first; the sender never receives its own expansion."""
    if spec.empty:
        raise invalid("to", "Name at least one recipient: to, group, role or topic.")
    listed = _listed(organization, spec.to) if spec.to else []
    expanded: list[UUID] = []
    if spec.group:
        expanded += _group(organization, spec.group)
    if spec.role:
        expanded += _role(organization, spec.role)
    if spec.topic:
        expanded += _topic(organization, spec.topic, performative)
    expanded = [pk for pk in expanded if pk != sender_agent_id]
    result = list(dict.fromkeys([*listed, *expanded]))
    if len(result) > limit:
        raise invalid("to", f"Too many recipients: {len(result)}; the limit is {limit}.")
    if not result and not spec.topic:
        raise invalid("to", "Nobody to deliver to: every named group or role member is inactive.")
    return result
