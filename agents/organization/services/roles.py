"""Agent roles: global templates shipped as data (agents/role_templates.json) and organization roles."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from agents.common.audit import created, record, save_and_record
from agents.common.errors import invalid
from agents.common.goal_kinds import GoalKind
from agents.common.limits import NAME_MAX, TEXT_MAX
from agents.common.validation import (
    check_belief_key,
    check_changeable,
    check_confidence,
    check_json,
    check_slug,
    check_text,
    clean_named,
)
from agents.organization.models import AgentRole, Organization
from auditlog.models import Action
from mabos.errors import Conflict

TEMPLATES_PATH = Path(__file__).resolve().parent.parent / "role_templates.json"
FIELDS = ("organization", "name", "slug", "responsibilities", "default_goals", "default_beliefs", "adopts_told_plans")


def clean_default_goals(field: str, goals: Any) -> list[dict[str, Any]]:
    """A role's starting goals: [{name, description?, kind?, priority?, condition?}]. A maintain goal's condition
    is an expression; it is compiled when the goal is adopted (reasoning owns the language, and comes later)."""
    if not isinstance(goals, list):
        raise invalid(field, "Must be a list of goals.")
    out = []
    for i, goal in enumerate(goals):
        if not isinstance(goal, dict) or not str(goal.get("name", "")).strip():
            raise invalid(field, f"Item {i}: a goal needs a name.")
        kind = goal.get("kind", GoalKind.ACHIEVE)
        priority = goal.get("priority", 50)
        if kind not in GoalKind.values:
            raise invalid(field, f"Item {i}: kind must be one of {', '.join(GoalKind.values)}.")
        if not isinstance(priority, int) or isinstance(priority, bool) or not 0 <= priority <= 100:
            raise invalid(field, f"Item {i}: priority must be an integer from 0 to 100.")
        condition = goal.get("condition", "")
        if not isinstance(condition, str) or len(condition) > TEXT_MAX:
            raise invalid(field, f"Item {i}: condition must be an expression of at most {TEXT_MAX} characters.")
        if condition.strip() and kind != GoalKind.MAINTAIN:
            raise invalid(field, f"Item {i}: only a maintain goal has a condition.")
        item = {"name": str(goal["name"]).strip()[:NAME_MAX], "description": str(goal.get("description", "")),
                "kind": kind, "priority": priority}
        if condition.strip():
            item["condition"] = condition.strip()
        out.append(item)
    return check_json(field, out)


def clean_default_beliefs(field: str, beliefs: Any) -> list[dict[str, Any]]:
    """A role's starting beliefs: [{key, value, confidence?}]."""
    if not isinstance(beliefs, list):
        raise invalid(field, "Must be a list of beliefs.")
    out, keys = [], set()
    for i, belief in enumerate(beliefs):
        if not isinstance(belief, dict) or "key" not in belief:
            raise invalid(field, f"Item {i}: a belief needs a key.")
        try:
            key = check_belief_key(field, belief["key"])
            confidence = check_confidence(field, belief.get("confidence", 1.0))
        except Exception as exc:
            raise invalid(field, f"Item {i}: {exc}") from None
        if key in keys:
            raise invalid(field, f"Item {i}: the key {key!r} appears twice.")
        keys.add(key)
        out.append({"key": key, "value": belief.get("value"), "confidence": confidence})
    return check_json(field, out)


def _clean_team(slug: str, team: Any) -> dict[str, Any] | None:
    """The group a template's agents join when onboarded: {name, purpose?, lead?, supervision?}. The supervision
    policy's fields are checked by the supervision services when the group is made."""
    if team is None:
        return None
    if not isinstance(team, dict) or not str(team.get("name", "")).strip():
        raise invalid("team", f"Role template {slug!r}: a team needs a name.")
    supervision = team.get("supervision")
    if supervision is not None and not isinstance(supervision, dict):
        raise invalid("team", f"Role template {slug!r}: supervision is an object of policy fields.")
    return {"name": str(team["name"]).strip()[:NAME_MAX], "purpose": str(team.get("purpose", "")),
            "lead": bool(team.get("lead", False)), "supervision": supervision}


@functools.cache
def role_templates() -> dict[str, dict[str, Any]]:
    """The shipped role templates by slug, validated once per process (a broken file fails loudly)."""
    data = json.loads(TEMPLATES_PATH.read_text(encoding="utf-8"))
    templates = {}
    for item in data["roles"]:
        slug = check_slug("slug", item["slug"])
        templates[slug] = {
            "slug": slug,
            "name": item["name"],
            "agent_name": item.get("agent_name", item["name"]),
            "responsibilities": item["responsibilities"],
            "default_goals": clean_default_goals("goals", item["goals"]),
            "default_beliefs": clean_default_beliefs("beliefs", item["beliefs"]),
            "team": _clean_team(slug, item.get("team")),
            "selection_policies": list(item.get("selection_policies", [])),
        }
    return templates


@transaction.atomic
def role_template_ensure(*, slug: str, by: Any) -> AgentRole:
    """The global role for a shipped template, created from the file the first time it is needed.

    An existing global role is never overwritten: operators may have tuned it in the admin.
    """
    template = role_templates().get(slug)
    if template is None:
        raise invalid("roles", f"Unknown role {slug!r}.")
    existing = AgentRole.objects.filter(organization__isnull=True, slug=slug).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            role = AgentRole.objects.create(
                organization=None, slug=slug, name=template["name"], responsibilities=template["responsibilities"],
                default_goals=template["default_goals"], default_beliefs=template["default_beliefs"])
    except IntegrityError:  # created concurrently by another onboarding
        return AgentRole.objects.get(organization__isnull=True, slug=slug)
    record(action=Action.CREATE, by=by, target=role, changes=created(role, FIELDS), note="from role template")
    return role


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = clean_named(data)
    if "responsibilities" in out:
        out["responsibilities"] = check_text("responsibilities", out["responsibilities"], max_length=TEXT_MAX,
                                             required=False)
    if "default_goals" in out:
        out["default_goals"] = clean_default_goals("default_goals", out["default_goals"])
    if "default_beliefs" in out:
        out["default_beliefs"] = clean_default_beliefs("default_beliefs", out["default_beliefs"])
    if "adopts_told_plans" in out and not isinstance(out["adopts_told_plans"], bool):
        raise invalid("adopts_told_plans", "Must be true or false.")
    return out


def _slug_taken(organization: Organization | None, slug: str, exclude: Any = None) -> bool:
    qs = AgentRole.objects.filter(organization=organization, slug=slug) if organization else \
        AgentRole.objects.filter(organization__isnull=True, slug=slug)
    return qs.exclude(pk=exclude).exists() if exclude else qs.exists()


@transaction.atomic
def role_create(*, organization: Organization | None, name: str, slug: str, by: Any, responsibilities: str = "",
                default_goals: list | None = None, default_beliefs: list | None = None,
                adopts_told_plans: bool = False) -> AgentRole:
    data = _clean({"name": name, "slug": slug, "responsibilities": responsibilities,
                   "default_goals": default_goals or [], "default_beliefs": default_beliefs or [],
                   "adopts_told_plans": adopts_told_plans})
    if _slug_taken(organization, data["slug"]):
        raise invalid("slug", f"A role with the slug {data['slug']!r} already exists here.")
    role = AgentRole.objects.create(organization=organization, **data)
    record(action=Action.CREATE, by=by, target=role, changes=created(role, FIELDS))
    return role


@transaction.atomic
def role_update(*, role: AgentRole, by: Any, **changes: Any) -> AgentRole:
    """Change a role; its organization is fixed (agents of that organization rely on it)."""
    allowed = set(FIELDS) - {"organization"}
    check_changeable(changes, allowed)
    data = _clean(changes)
    role = AgentRole.objects.select_for_update().get(pk=role.pk)
    if "slug" in data and _slug_taken(role.organization, data["slug"], exclude=role.pk):
        raise invalid("slug", f"A role with the slug {data['slug']!r} already exists here.")
    save_and_record(role, data, FIELDS, by=by)
    return role


@transaction.atomic
def role_delete(*, role: AgentRole, by: Any) -> None:
    if role.agents.exists():
        raise Conflict("Agents still hold this role; give them another role first.", code="role_in_use")
    if role.plans.exists():  # the template's plans (agents.reasoning.plans), read through the reverse relation
        raise Conflict("Plans of this role template exist; disable them, they are kept with their history.",
                       code="role_has_plans")
    record(action=Action.DELETE, by=by, target=role, changes=created(role, FIELDS))
    role.delete()
