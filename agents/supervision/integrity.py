"""Consistency checks of supervision (run by ``manage.py check_integrity``).

A policy is refused when it is written with an escalation cycle, but memberships and supervisors change later
without looking at policies (the agent package comes before supervision): this check finds a cycle they made.
The organization rule is a trigger on PostgreSQL (migration 0017); on SQLite this check is its only guard."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from agents.common.graphs import on_cycles
from agents.supervision.models import SupervisorPolicy
from agents.supervision.services.policies import escalation_edges
from mabos.integrity import integrity_check


@integrity_check("supervision.policy_in_org", "A policy's group and escalation agent are of its organization.")
def policies_across_orgs() -> QuerySet[SupervisorPolicy]:
    return SupervisorPolicy.objects.filter(
        (Q(group__isnull=False) & ~Q(group__organization=F("organization")))
        | (Q(escalate_agent__isnull=False) & ~Q(escalate_agent__organization=F("organization"))))


@integrity_check("supervision.escalation_acyclic", "No agents escalate to each other in a cycle.")
def agents_on_escalation_cycles() -> list[Any]:
    orgs = SupervisorPolicy.objects.values_list("organization_id", flat=True).distinct()
    return [agent for org in orgs for agent in on_cycles(escalation_edges(org))]
