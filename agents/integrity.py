"""Consistency checks for the agents domain (run by ``manage.py check_integrity``).

On PostgreSQL the composite foreign keys and triggers of migration 0002 already
refuse these; the checks prove it after the fact, and are the only guard on
SQLite (the zero-setup default), where those constraints do not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from agents.models import Agent, AgentApiKey, AgentKind, Goal, Membership
from mabos.integrity import integrity_check


def _on_cycles(edges: dict[Any, Any]) -> list[Any]:
    """Nodes that sit on a cycle of a child -> parent map (each node has at most one parent)."""
    state: dict[Any, int] = {}  # 1: being walked, 2: done
    on_cycle: set[Any] = set()
    for start in edges:
        path: list[Any] = []
        node = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = edges.get(node)
        if node is not None and state.get(node) == 1:  # we came back into the current walk
            on_cycle.update(path[path.index(node):])
        for seen in path:
            state[seen] = 2
    return sorted(on_cycle, key=str)


@integrity_check("agents.role_in_agent_org", "An agent's role is a global template or belongs to its organization.")
def agents_with_foreign_role() -> QuerySet[Agent]:
    return Agent.objects.filter(role__organization__isnull=False).exclude(role__organization=F("organization"))


@integrity_check("agents.supervisor_in_agent_org", "An agent's supervisor works for the same organization.")
def agents_with_foreign_supervisor() -> QuerySet[Agent]:
    return Agent.objects.filter(supervisor__isnull=False).exclude(supervisor__organization=F("organization"))


@integrity_check("agents.supervisor_acyclic", "Following supervisors upwards never comes back to the same agent.")
def agents_on_supervisor_cycles() -> list[Any]:
    return _on_cycles(dict(Agent.objects.filter(supervisor__isnull=False).values_list("id", "supervisor_id")))


@integrity_check("agents.membership_in_org", "A group membership joins an agent and a group of one organization.")
def memberships_across_orgs() -> QuerySet[Membership]:
    return Membership.objects.filter(
        ~Q(agent__organization=F("organization")) | ~Q(group__organization=F("organization")))


@integrity_check("agents.goal_parent_same_agent", "A sub-goal belongs to the same agent as its parent goal.")
def goals_with_foreign_parent() -> QuerySet[Goal]:
    return Goal.objects.filter(parent__isnull=False).exclude(parent__agent=F("agent"))


@integrity_check("agents.goal_tree_acyclic", "Following parent goals upwards never comes back to the same goal.")
def goals_on_cycles() -> list[Any]:
    return _on_cycles(dict(Goal.objects.filter(parent__isnull=False).values_list("id", "parent_id")))


@integrity_check("agents.api_key_external_only", "Only external agents hold active API keys.")
def keys_of_internal_agents() -> QuerySet[AgentApiKey]:
    return AgentApiKey.objects.filter(revoked_at__isnull=True).exclude(agent__kind=AgentKind.EXTERNAL)
