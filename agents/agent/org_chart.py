"""An organization as an org chart: who reports to whom, who holds which role, who is in which group.

One read for the organization's chart page (agents/organization/admin.py, ``<id>/chart/``), over the agents
the caller may view, in a fixed number of queries whatever their number (three: the agents with their roles
and supervisors, the organization's roles, its groups with their memberships), at most ``AGENTS_SHOWN``
agents. Each agent is one ``Entry`` shared by the tree, its role and its groups, so a caller that knows more
of an agent (its health: agents.supervision.health) says it once, for every place the agent appears.

The tree follows ``Agent.supervisor``: an agent without one (or whose supervisor is not shown) is a root.
Agents that only a circle of supervisors would reach (the services refuse one; a row written around them
could make it) are roots too, so every agent appears exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from agents.agent.access import AGENT_RELATED, agents_for
from agents.agent.models import Agent, AgentGroup, Membership
from agents.organization.models import AgentRole, Organization

#: Agents the page draws at most (by name); the agents list has the rest.
AGENTS_SHOWN = 500


@dataclass(eq=False)
class Entry:
    """One agent on the chart; ``health`` is what the page adds (its state in a word, and a class)."""

    agent: Agent
    health: Any = None


@dataclass(eq=False)
class Node:
    entry: Entry
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class RoleRow:
    role: AgentRole
    entries: list[Entry]


@dataclass(frozen=True)
class Member:
    entry: Entry
    role: str  # leader, member, observer


@dataclass(frozen=True)
class GroupRow:
    group: AgentGroup
    members: list[Member]


@dataclass(frozen=True)
class OrgChart:
    organization: Organization
    roots: list[Node]
    roles: list[RoleRow]
    groups: list[GroupRow]
    entries: list[Entry]
    more: bool


def supervisor_tree(entries: list[Entry]) -> list[Node]:
    """The entries as a forest by supervisor, siblings in the order given (see the module)."""
    nodes = {entry.agent.pk: Node(entry) for entry in entries}
    roots: list[Node] = []
    for entry in entries:
        boss = nodes.get(entry.agent.supervisor_id)
        (boss.children if boss is not None else roots).append(nodes[entry.agent.pk])
    reached: set[Any] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        reached.add(node.entry.agent.pk)
        stack.extend(node.children)
    for entry in entries:  # a circle: nobody in it is reached from a root
        if entry.agent.pk not in reached:
            node = nodes[entry.agent.pk]
            boss = nodes[entry.agent.supervisor_id]  # in the circle, so shown
            boss.children = [child for child in boss.children if child is not node]
            roots.append(node)
            stack = [node]
            while stack:
                current = stack.pop()
                reached.add(current.entry.agent.pk)
                stack.extend(current.children)
    return roots


def org_chart(*, user: Any, organization: Organization, limit: int = AGENTS_SHOWN) -> OrgChart:
    """The chart of ``organization`` (one the caller may view) as ``user`` may see it (see the module)."""
    agents = list(agents_for(user).filter(organization=organization).select_related(*AGENT_RELATED)
                  .order_by("name", "pk")[:limit + 1])
    more, agents = len(agents) > limit, agents[:limit]
    entries = {agent.pk: Entry(agent) for agent in agents}
    roles = {role.pk: role for role in AgentRole.objects.filter(organization=organization).order_by("name", "pk")}
    for agent in agents:  # a global template an agent holds is one of the organization's roles too
        roles.setdefault(agent.role_id, agent.role)
    holders: dict[Any, list[Entry]] = {pk: [] for pk in roles}
    for agent in agents:
        holders[agent.role_id].append(entries[agent.pk])
    memberships = Membership.objects.filter(agent_id__in=list(entries)).order_by("role", "agent__name", "pk")
    groups = (AgentGroup.objects.filter(organization=organization).order_by("name", "pk")
              .prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="shown_memberships")))
    return OrgChart(
        organization=organization,
        roots=supervisor_tree(list(entries.values())),
        roles=[RoleRow(role, holders[pk]) for pk, role in sorted(roles.items(), key=lambda item: item[1].name)],
        groups=[GroupRow(group, [Member(entries[m.agent_id], m.role) for m in group.shown_memberships])
                for group in groups],
        entries=list(entries.values()),
        more=more,
    )
