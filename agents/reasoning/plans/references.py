"""What a plan may name in its scope: whom it sends to, which beliefs its expressions read.

An organization's plan sends to agents of that organization, named by slug or id: an agent of another
organization is refused when the plan is saved (a 400 naming ``body[i].to``), with the same words as an
agent that does not exist, so the refusal says nothing about other organizations. A role template's plan
runs in agents of many organizations, so it names a *role* (a global template's slug): the recipient is
the agent of the sender's own organization that holds that role, found when the step runs.

Either kind of plan may also name several agents at once: ``role:<slug>`` (every agent of the organization
holding that role) and ``group:<name>`` (a group's leader and members). An organization's plan must name
a role or a group of its organization; a template's plan cannot know the groups of the organizations it
runs in, so its ``group:`` names are checked when the step runs (``bad_recipient`` if it names nobody).

A bare lower-case name in an expression is a belief key. It must be one the scope knows: a belief some
agent of the scope holds, a default belief of a role its agents hold (of the template itself, for a
template's plan), or a belief the plan itself adds. ``belief("k", default)`` and ``has("k")`` read beliefs
that may not exist yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from agents.agent.models import Agent, AgentGroup
from agents.common.validation import parse_uuid
from agents.organization.models import AgentRole, Organization
from agents.reasoning.models import Belief, Plan

#: Recipient names for several agents: ``role:<slug>`` and ``group:<name>``.
ROLE_PREFIX, GROUP_PREFIX = "role", "group"


def _prefixed(wanted: set[str], prefix: str) -> dict[str, str]:
    """The names of ``wanted`` written ``prefix:<rest>``, mapped to their rest."""
    return {name: name.partition(":")[2] for name in wanted
            if name.partition(":")[0] == prefix and name.partition(":")[2]}


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
        """Which of ``names`` (slugs, ids, ``role:`` and ``group:`` names) name nobody in the scope (at most
        three queries, whatever the number of names)."""
        wanted = set(names)
        if not wanted:
            return set()
        roles, groups = _prefixed(wanted, ROLE_PREFIX), _prefixed(wanted, GROUP_PREFIX)
        plain = wanted - set(roles) - set(groups)
        if self.organization is None:
            templates = AgentRole.objects.filter(organization__isnull=True)
            found = set(templates.filter(slug__in=plain | set(roles.values())).values_list("slug", flat=True))
            return ({name for name in plain if name not in found}
                    | {name for name, slug in roles.items() if slug not in found})
        unknown: set[str] = set()
        if roles:
            held = set(Agent.objects.filter(organization=self.organization, role__slug__in=set(roles.values()))
                       .values_list("role__slug", flat=True))
            unknown |= {name for name, slug in roles.items() if slug not in held}
        if groups:
            named = set(AgentGroup.objects.filter(organization=self.organization, name__in=set(groups.values()))
                        .values_list("name", flat=True))
            unknown |= {name for name, group in groups.items() if group not in named}
        if not plain:
            return unknown
        ids = {name: parse_uuid(name) for name in plain}
        agents = Agent.objects.filter(organization=self.organization).filter(
            Q(slug__in=plain) | Q(pk__in=[value for value in ids.values() if value is not None]))
        found: set[str] = set()
        for pk, slug in agents.values_list("pk", "slug"):
            found.add(slug)
            found.update(name for name, value in ids.items() if value == pk)
        return unknown | (plain - found)

    def unknown_plans(self, labels: Iterable[str]) -> set[str]:
        """Which of ``labels`` name no plan the scope's agents may use (one query): an organization's plans and
        those of the role templates its agents hold; a template's own plans."""
        wanted = set(labels)
        if not wanted:
            return set()
        if self.organization is None:
            plans = Plan.objects.filter(role=self.role)
        else:
            plans = Plan.objects.filter(Q(organization=self.organization)
                                        | Q(role__agents__organization=self.organization))
        return wanted - set(plans.filter(label__in=wanted).values_list("label", flat=True).distinct())

    def recipient_hint(self) -> str:
        if self.organization is None:
            return ("A role template's plan names the recipient's role: the slug of a global role template "
                    "(the agent holding it in the sender's organization receives it), or group:<name>.")
        return (f"Name an agent of {self.describe()} by its slug or id, role:<slug> for every agent holding a "
                "role, group:<name> for a group's members; agents of other organizations are not reachable.")
