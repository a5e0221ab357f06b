"""What a plan may name in its scope: whom it sends to, which beliefs its expressions read.

An organization's plan sends to agents of that organization, named by slug or id: an agent of another
organization is refused when the plan is saved (a 400 naming ``body[i].to``), with the same words as an
agent that does not exist, so the refusal says nothing about other organizations. A role template's plan
runs in agents of many organizations, so it names a *role* (a global template's slug): the recipient is
the agent of the sender's own organization that holds that role, found when the step runs.

A bare lower-case name in an expression is a belief key. It must be one the scope knows: a belief some
agent of the scope holds, a default belief of a role its agents hold (of the template itself, for a
template's plan), or a belief the plan itself adds. ``belief("k", default)`` and ``has("k")`` read beliefs
that may not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from agents.agent.models import Agent
from agents.common.validation import parse_uuid
from agents.organization.models import AgentRole, Organization
from agents.reasoning.models import Belief


@dataclass(frozen=True)
class PlanScope:
    """Exactly one of the two: the organization of the plan, or the global role template it belongs to."""

    organization: Organization | None = None
    role: AgentRole | None = None

    @property
    def is_template(self) -> bool:
        return self.organization is None

    def describe(self) -> str:
        return f"organization {self.organization.name!r}" if self.organization else f"role template {self.role.slug!r}"

    def known_beliefs(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the scope knows (two queries, whatever the number of keys)."""
        wanted = set(keys)
        if not wanted:
            return set()
        if self.organization is not None:
            held = Belief.objects.filter(agent__organization=self.organization, key__in=wanted)
            roles = AgentRole.objects.filter(Q(organization=self.organization)
                                             | Q(agents__organization=self.organization)).distinct()
        else:
            held = Belief.objects.filter(agent__role=self.role, key__in=wanted)
            roles = AgentRole.objects.filter(pk=self.role.pk)
        known = set(held.values_list("key", flat=True).distinct())
        for defaults in roles.values_list("default_beliefs", flat=True):
            known.update(item.get("key") for item in defaults or [] if isinstance(item, dict))
        return known & wanted

    def unknown_recipients(self, names: Iterable[str]) -> set[str]:
        """Which of ``names`` (slugs or ids) name no agent of the organization, or no role template."""
        wanted = set(names)
        if not wanted:
            return set()
        if self.organization is None:
            found = set(AgentRole.objects.filter(organization__isnull=True, slug__in=wanted)
                        .values_list("slug", flat=True))
            return wanted - found
        ids = {name: parse_uuid(name) for name in wanted}
        agents = Agent.objects.filter(organization=self.organization).filter(
            Q(slug__in=wanted) | Q(pk__in=[value for value in ids.values() if value is not None]))
        found: set[str] = set()
        for pk, slug in agents.values_list("pk", "slug"):
            found.add(slug)
            found.update(name for name, value in ids.items() if value == pk)
        return wanted - found

    def recipient_hint(self) -> str:
        if self.organization is None:
            return ("A role template's plan names the recipient's role: the slug of a global role template "
                    "(the agent holding it in the sender's organization receives it).")
        return f"Name an agent of {self.describe()} by its slug or id; agents of other organizations are not reachable."
