"""Consistency checks of agents and memberships (run by ``manage.py check_integrity``).

On PostgreSQL the composite foreign keys and triggers of migration 0002 already
refuse these; the checks prove it after the fact, and are the only guard on
SQLite (the zero-setup default), where those constraints do not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from agents.agent.models import Agent, Membership
from agents.common.graphs import on_cycles
from mabos.integrity import integrity_check


@integrity_check("agents.role_in_agent_org", "An agent's role is a global template or belongs to its organization.")
def agents_with_foreign_role() -> QuerySet[Agent]:
    return Agent.objects.filter(role__organization__isnull=False).exclude(role__organization=F("organization"))


@integrity_check("agents.supervisor_in_agent_org", "An agent's supervisor works for the same organization.")
def agents_with_foreign_supervisor() -> QuerySet[Agent]:
    return Agent.objects.filter(supervisor__isnull=False).exclude(supervisor__organization=F("organization"))


@integrity_check("agents.supervisor_acyclic", "Following supervisors upwards never comes back to the same agent.")
def agents_on_supervisor_cycles() -> list[Any]:
    return on_cycles(dict(Agent.objects.filter(supervisor__isnull=False).values_list("id", "supervisor_id")))


@integrity_check("agents.membership_in_org", "A group membership joins an agent and a group of one organization.")
def memberships_across_orgs() -> QuerySet[Membership]:
    return Membership.objects.filter(
        ~Q(agent__organization=F("organization")) | ~Q(group__organization=F("organization")))
