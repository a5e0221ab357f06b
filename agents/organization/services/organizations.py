"""Writes to organizations and the object permissions granted on them and on agents."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from accounts.services.permissions import permission_grant
from agents.common.audit import created, record, save_and_record, user_of
from agents.common.errors import invalid
from agents.common.limits import LABEL_MAX, TEXT_MAX
from agents.common.validation import check_changeable, check_json_object, check_slug, check_text, clean_named, slug_from
from agents.organization.access import VERBS
from agents.organization.models import Organization
from auditlog.models import Action

FIELDS = ("name", "slug", "industry", "description", "profile")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = clean_named(data)
    if "industry" in out:
        out["industry"] = check_text("industry", out["industry"], max_length=LABEL_MAX, required=False)
    if "description" in out:
        out["description"] = check_text("description", out["description"], max_length=TEXT_MAX)
    if "profile" in out:
        check_json_object("profile", out["profile"])
    return out


@transaction.atomic
def organization_create(*, name: str, description: str, by: Any, industry: str = "", slug: str | None = None,
                        profile: dict[str, Any] | None = None, grant_creator: bool = True) -> Organization:
    """Create an organization; its creator (a user) may view, change, operate and delete it."""
    data = _clean({"name": name, "description": description, "industry": industry, "profile": profile or {}})
    slug_field = "slug" if slug else "name"
    data["slug"] = check_slug("slug", slug) if slug else slug_from(data["name"])
    if Organization.objects.filter(slug=data["slug"]).exists():
        raise invalid(slug_field, f"An organization with the slug {data['slug']!r} already exists.")
    try:
        with transaction.atomic():
            org = Organization.objects.create(created_by=user_of(by), **data)
    except IntegrityError:  # a concurrent create won the race for the slug
        raise invalid(slug_field, f"An organization with the slug {data['slug']!r} already exists.") from None
    record(action=Action.CREATE, by=by, target=org, changes=created(org, FIELDS))
    creator = user_of(by)
    if grant_creator and creator is not None:
        organization_grant(organization=org, user=creator, verbs=VERBS, by=by)
    return org


@transaction.atomic
def organization_update(*, organization: Organization, by: Any, **changes: Any) -> Organization:
    check_changeable(changes, FIELDS)
    data = _clean(changes)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    if "slug" in data and Organization.objects.filter(slug=data["slug"]).exclude(pk=org.pk).exists():
        raise invalid("slug", f"An organization with the slug {data['slug']!r} already exists.")
    save_and_record(org, data, FIELDS, by=by)
    return org


@transaction.atomic
def organization_delete(*, organization: Organization, by: Any) -> None:
    """Delete an organization with its agents, roles, groups and BDI state (one audit event names them)."""
    agents = organization.agents.all()
    record(action=Action.DELETE, by=by, target=organization, changes=created(organization, FIELDS),
           note=f"deleted with {agents.count()} agent(s)")
    # Agents first: an agent's role is protected (a role in use cannot go) and the organization's roles go with
    # it, so deleting the organization alone was refused as soon as one of its agents held one of its roles. Only
    # its own agents can hold its roles (agents_agent_role_scope), so nothing else is in the way.
    agents.delete()
    organization.delete()


@transaction.atomic
def organization_grant(*, organization: Organization, user: Any, verbs: tuple[str, ...] | list[str],
                       by: Any) -> None:
    """Grant object permissions on an organization (they cover all its agents); audited per grant."""
    for verb in verbs:
        permission_grant(by=by, obj=organization, action=verb, user=user)
