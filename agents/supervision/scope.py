"""Who supervises whom: an agent's policy, its siblings in join order, and where its escalation goes.

An agent is supervised by the policy of the first group it joined (as leader or member; an observer is not
supervised by the group it watches) that has one, else by its organization's default, else by nobody. The
siblings a strategy restarts are that group's leader and members in join order (the organization's agents
in creation order under the default). Escalation goes to one agent or to people:

- ``leader``: the group's leader; for the leader itself, or a group without one, or the default policy,
  the agent's supervisor agent; without one, the organization's operators.
- ``supervisor``: the agent's supervisor agent, else the operators.
- ``agent``: the named agent (for that agent itself: its supervisor, else the operators).
- ``role``: the people of that user role.

No agent ever escalates to itself; a cycle of two or more agents (A to B, B to A) is refused when a policy
is written (``agents.supervision.services.policies``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from agents.agent.models import Agent, Membership, MembershipRole
from agents.reasoning.approvals.models import OPERATORS
from agents.supervision.models import EscalateTo, SupervisorPolicy

SUPERVISED_ROLES = (MembershipRole.LEADER, MembershipRole.MEMBER)


@dataclass(frozen=True)
class Escalation:
    """Where one agent's escalation goes: an agent (``agent_id``) or people (``people``: operators or a role)."""

    agent_id: Any = None
    people: str = ""


def policies_of(agent_ids: list[Any]) -> dict[Any, SupervisorPolicy]:
    """The policy of each agent that has one (three queries, whatever the number of agents)."""
    if not agent_ids:
        return {}
    rows = (Membership.objects.filter(agent_id__in=agent_ids, role__in=SUPERVISED_ROLES,
                                      group__supervisor_policy__isnull=False)
            .order_by("agent_id", "created_at", "id").values_list("agent_id", "group_id"))
    first_group: dict[Any, Any] = {}
    for agent_id, group_id in rows:
        first_group.setdefault(agent_id, group_id)
    orgs = dict(Agent.objects.filter(pk__in=agent_ids).values_list("pk", "organization_id"))
    policies = SupervisorPolicy.objects.filter(group_id__in=set(first_group.values())) | \
        SupervisorPolicy.objects.filter(group__isnull=True, organization_id__in=set(orgs.values()))
    by_group, by_org = {}, {}
    for policy in policies.select_related("group"):
        if policy.group_id:
            by_group[policy.group_id] = policy
        else:
            by_org[policy.organization_id] = policy
    out: dict[Any, SupervisorPolicy] = {}
    for agent_id in agent_ids:
        policy = by_group.get(first_group.get(agent_id)) or by_org.get(orgs.get(agent_id))
        if policy is not None:
            out[agent_id] = policy
    return out


def supervised(agent: str = "") -> Q:
    """Rows whose agent some policy supervises: its organization has a default, or it leads or is a member of a
    group with a policy. ``agent`` is the path from the rows to their agent ("" for agents themselves). The one
    definition the check's candidates and the operators' figures both use."""
    prefix = f"{agent}__" if agent else ""
    default = SupervisorPolicy.objects.filter(organization_id=OuterRef(f"{prefix}organization_id"),
                                              group__isnull=True)
    member = Membership.objects.filter(agent_id=OuterRef(f"{agent}_id" if agent else "pk"),
                                       role__in=SUPERVISED_ROLES, group__supervisor_policy__isnull=False)
    return Q(Exists(default)) | Q(Exists(member))


def siblings(policy: SupervisorPolicy) -> list[Any]:
    """The agents a ``one_for_all`` or ``rest_for_one`` restart of this policy covers, in join order."""
    if policy.group_id is None:
        return list(Agent.objects.filter(organization_id=policy.organization_id)
                    .order_by("created_at", "id").values_list("pk", flat=True))
    return list(Membership.objects.filter(group_id=policy.group_id, role__in=SUPERVISED_ROLES)
                .order_by("created_at", "id").values_list("agent_id", flat=True))


def leader_of(group_id: Any) -> Any:
    return Membership.objects.filter(group_id=group_id, role=MembershipRole.LEADER).values_list(
        "agent_id", flat=True).first()


def escalation_of(agent_id: Any, supervisor_id: Any, policy: SupervisorPolicy, *, leader_id: Any = None) -> Escalation:
    """Where ``agent_id``'s escalation goes under ``policy`` (``leader_id``: its group's leader, if known)."""
    if policy.escalate_to == EscalateTo.ROLE:
        return Escalation(people=policy.escalate_role)
    target = None
    if policy.escalate_to == EscalateTo.LEADER and policy.group_id is not None:
        target = leader_id if leader_id is not None else leader_of(policy.group_id)
    elif policy.escalate_to == EscalateTo.AGENT:
        target = policy.escalate_agent_id
    if target is None or target == agent_id:
        target = supervisor_id
    if target is None or target == agent_id:
        return Escalation(people=OPERATORS)
    return Escalation(agent_id=target)
