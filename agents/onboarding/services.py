"""Onboarding: a described business becomes an organization staffed with one agent per chosen role.

Everything happens in one transaction through the same services the API and the
admin use, so every row is audited and a failure leaves nothing half-created.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.agent.models import Agent, MembershipRole
from agents.agent.services.agents import agent_create
from agents.agent.services.groups import group_create, membership_add
from agents.common.errors import invalid
from agents.common.limits import NAME_MAX, TEXT_MAX
from agents.common.validation import check_text
from agents.organization.models import Organization
from agents.organization.services.organizations import organization_create
from agents.organization.services.roles import role_template_ensure, role_templates
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create

SIZES = ("solo", "micro", "small", "medium", "large")
#: The role that supervises the others and leads the leadership team when it is staffed.
HEAD_ROLE = "ceo"


def _clean_roles(roles: Any) -> list[str]:
    if not isinstance(roles, list | tuple) or not roles:
        raise invalid("roles", "Choose at least one role to staff.")
    known = role_templates()
    seen: list[str] = []
    for slug in roles:
        if not isinstance(slug, str) or slug.lower() not in known:
            raise invalid("roles", f"Unknown role {slug!r}; choose from {', '.join(known)}.")
        if slug.lower() in seen:
            raise invalid("roles", f"The role {slug!r} is listed twice.")
        seen.append(slug.lower())
    return seen


def _clean_size(size: Any) -> str | int:
    if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
        return size
    if isinstance(size, str) and size.strip().lower() in SIZES:
        return size.strip().lower()
    raise invalid("size", f"Give a number of people (1 or more) or one of {', '.join(SIZES)}.")


def _clean_list(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value) or len(value) > 50:
        raise invalid(field, "Give a list of at most 50 names.")
    return [check_text(field, v, max_length=NAME_MAX) for v in value]


@transaction.atomic
def organization_onboard(*, name: str, industry: str, description: str, size: Any, roles: list[str], by: Any,
                         slug: str | None = None, markets: list[str] | None = None,
                         products: list[str] | None = None) -> Organization:
    """Create the organization, one agent per role with the role's starting beliefs and goals,
    the CEO (if chosen) supervising the others, and a leadership team; the creator may manage it all."""
    chosen = _clean_roles(roles)
    profile = {"size": _clean_size(size), "markets": _clean_list("markets", markets),
               "products": _clean_list("products", products)}
    check_text("description", description, max_length=TEXT_MAX)
    org = organization_create(name=name, industry=industry, description=description, slug=slug,
                              profile=profile, by=by)
    facts = {"organization.name": org.name, "organization.industry": org.industry,
             "organization.size": profile["size"], "organization.description": org.description,
             "organization.markets": profile["markets"], "organization.products": profile["products"]}
    templates = role_templates()
    agents: dict[str, Agent] = {}
    for role_slug in sorted(chosen, key=lambda s: s != HEAD_ROLE):  # the head first, so it can supervise
        role = role_template_ensure(slug=role_slug, by=by)
        agent = agent_create(organization=org, role=role, name=templates[role_slug]["agent_name"], slug=role_slug,
                             supervisor=agents.get(HEAD_ROLE), by=by)
        agents[role_slug] = agent
        for key, value in facts.items():
            belief_set(agent=agent, key=key, value=value, confidence=1.0, source="onboarding", by=by)
        for belief in role.default_beliefs:
            belief_set(agent=agent, key=belief["key"], value=belief["value"], confidence=belief["confidence"],
                       source=f"role:{role.slug}", by=by)
        for goal in role.default_goals:
            goal_create(agent=agent, name=goal["name"], description=goal.get("description", ""),
                        kind=goal.get("kind", "achieve"), priority=goal.get("priority", 50), by=by)
    if len(agents) > 1:
        team = group_create(organization=org, name="Leadership team", by=by,
                            purpose="Every staffed role; sets direction and resolves conflicts between functions.")
        for role_slug, agent in agents.items():
            membership_add(group=team, agent=agent, by=by,
                           role=MembershipRole.LEADER if role_slug == HEAD_ROLE else MembershipRole.MEMBER)
    return org
