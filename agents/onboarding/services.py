"""Onboarding: a described business becomes an organization staffed with one agent per chosen role.

Everything happens in one transaction through the same services the API and the
admin use, so every row is audited and a failure leaves nothing half-created. The
agents it staffs act from the start: each role template brings its plan library
(``plan_libraries/<slug>.plans``, installed as the template's plans), its team (a group,
with the supervisor policy the template gives it) and its learning policies.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.agent.models import Agent, AgentGroup, AgentKind, MembershipRole
from agents.agent.services.agents import agent_create
from agents.agent.services.groups import group_create, membership_add
from agents.common.errors import invalid
from agents.common.limits import NAME_MAX, TEXT_MAX
from agents.common.validation import check_text
from agents.learning.models import SelectionPolicy
from agents.learning.services.policies import selection_policy_create
from agents.onboarding.libraries import plan_library
from agents.organization.models import AgentRole, Organization
from agents.organization.services.organizations import organization_create
from agents.organization.services.roles import role_template_ensure, role_templates
from agents.reasoning.plans.models import Plan
from agents.reasoning.plans.services import plan_create
from agents.reasoning.services.beliefs import belief_set
from agents.reasoning.services.goals import goal_create
from agents.supervision.models import SupervisorPolicy
from agents.supervision.services.policies import policy_create

SIZES = ("solo", "micro", "small", "medium", "large")
#: The role that supervises the others and leads the leadership team when it is staffed.
HEAD_ROLE = "ceo"
#: Roles staffed for the organization but not part of its leadership (they sell to it).
OUTSIDE_LEADERSHIP = frozenset({"supplier"})


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
def plan_library_install(*, role: AgentRole, by: Any) -> list[Plan]:
    """The role template's library as plans of the template, through the plan services (validated, audited).

    Idempotent by label: a plan the template already has is left alone, as ``role_template_ensure`` leaves a
    tuned role alone (an operator may have revised or disabled it). Before a plan is written every template is
    ensured, because a template's plan names its recipients by their templates' slugs (``cmo``,
    ``role:supplier``); when the library is installed already (every onboarding after the first) nothing is."""
    have = set(Plan.objects.filter(role=role).values_list("label", flat=True))
    missing = [document for document in plan_library(role.slug) if document["label"] not in have]
    if missing:
        for slug in role_templates():
            role_template_ensure(slug=slug, by=by)
    return [plan_create(document=document, role=role, by=by) for document in missing]


def _facts(org: Organization) -> dict[str, Any]:
    profile = org.profile or {}
    return {"organization.name": org.name, "organization.industry": org.industry,
            "organization.size": profile.get("size"), "organization.description": org.description,
            "organization.markets": profile.get("markets", []), "organization.products": profile.get("products", [])}


def _join_team(agent: Agent, template: dict[str, Any], by: Any) -> None:
    """The template's team: the group made (with its supervisor policy) by its first member, the lead as leader."""
    team = template.get("team")
    if not team:
        return
    group = AgentGroup.objects.filter(organization=agent.organization, name=team["name"]).first()
    if group is None:
        group = group_create(organization=agent.organization, name=team["name"], purpose=team["purpose"], by=by)
    leads = team["lead"] and not group.memberships.filter(role=MembershipRole.LEADER).exists()
    membership_add(group=group, agent=agent, by=by, role=MembershipRole.LEADER if leads else MembershipRole.MEMBER)
    if team.get("supervision") and not SupervisorPolicy.objects.filter(group=group).exists():
        policy_create(organization=agent.organization, group=group, by=by, **team["supervision"])


def _selection_policies(org: Organization, template: dict[str, Any], by: Any) -> None:
    for policy in template.get("selection_policies", []):
        fields = dict(policy)
        if not SelectionPolicy.objects.filter(organization=org, trigger_kind=fields.get("trigger_kind", ""),
                                              trigger_name=fields.get("trigger_name", "")).exists():
            selection_policy_create(organization=org, by=by, **fields)


@transaction.atomic
def organization_agent_staff(*, organization: Organization, role_slug: str, by: Any, name: str | None = None,
                             slug: str | None = None, kind: str = AgentKind.INTERNAL,
                             supervisor: Agent | None = None, beliefs: dict[str, Any] | None = None) -> Agent:
    """One agent of a role template, staffed as onboarding staffs it: the organization's facts and the role's
    starting beliefs (``beliefs`` override them), its goals, its team and learning policies, and the template's
    plan library installed. Onboarding uses it for each role; ``seed_demo`` for the demo's suppliers."""
    template = role_templates().get(role_slug)
    if template is None:
        raise invalid("roles", f"Unknown role {role_slug!r}.")
    role = role_template_ensure(slug=role_slug, by=by)
    plan_library_install(role=role, by=by)
    agent = agent_create(organization=organization, role=role, name=name or template["agent_name"],
                         slug=slug or role_slug, kind=kind, supervisor=supervisor, by=by)
    overrides = beliefs or {}
    for key, value in _facts(organization).items():
        belief_set(agent=agent, key=key, value=value, confidence=1.0, source="onboarding", by=by)
    for belief in role.default_beliefs:
        if belief["key"] not in overrides:
            belief_set(agent=agent, key=belief["key"], value=belief["value"], confidence=belief["confidence"],
                       source=f"role:{role.slug}", by=by)
    for key, value in overrides.items():
        belief_set(agent=agent, key=key, value=value, confidence=1.0, source="onboarding", by=by)
    for goal in role.default_goals:
        goal_create(agent=agent, name=goal["name"], description=goal.get("description", ""),
                    kind=goal.get("kind", "achieve"), priority=goal.get("priority", 50),
                    condition=goal.get("condition", "") if goal.get("kind") == "maintain" else "", by=by)
    _join_team(agent, template, by)
    _selection_policies(organization, template, by)
    return agent


@transaction.atomic
def organization_onboard(*, name: str, industry: str, description: str, size: Any, roles: list[str], by: Any,
                         slug: str | None = None, markets: list[str] | None = None,
                         products: list[str] | None = None) -> Organization:
    """Create the organization, one agent per role with the role's starting beliefs, goals and plans, the CEO
    (if chosen) supervising the others, a leadership team and the roles' teams; the creator may manage it all."""
    chosen = _clean_roles(roles)
    profile = {"size": _clean_size(size), "markets": _clean_list("markets", markets),
               "products": _clean_list("products", products)}
    check_text("description", description, max_length=TEXT_MAX)
    org = organization_create(name=name, industry=industry, description=description, slug=slug,
                              profile=profile, by=by)
    agents: dict[str, Agent] = {}
    for role_slug in sorted(chosen, key=lambda s: s != HEAD_ROLE):  # the head first, so it can supervise
        agents[role_slug] = organization_agent_staff(organization=org, role_slug=role_slug,
                                                     supervisor=agents.get(HEAD_ROLE), by=by)
    leadership = {role_slug: agent for role_slug, agent in agents.items() if role_slug not in OUTSIDE_LEADERSHIP}
    if len(leadership) > 1:
        team = group_create(organization=org, name="Leadership team", by=by,
                            purpose="Every staffed role; sets direction and resolves conflicts between functions.")
        for role_slug, agent in leadership.items():
            membership_add(group=team, agent=agent, by=by,
                           role=MembershipRole.LEADER if role_slug == HEAD_ROLE else MembershipRole.MEMBER)
    return org
