"""Creating, changing and deleting agents. Status changes live in lifecycle.py, not here.

Every change is an ``UPDATE ... WHERE version = expected``: of two writers that
read the same version, the second gets a 409 instead of silently undoing the first.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.services.permissions import permission_grant
from agents.agent.hooks import agent_kinds_changed
from agents.agent.models import Agent, AgentKind
from agents.common.audit import created, diff, record, snapshot, user_of
from agents.common.errors import StaleVersion, invalid
from agents.common.graphs import ancestor_reaches
from agents.common.validation import check_changeable, check_json_object, check_slug, clean_named, slug_from
from agents.organization.models import AgentRole, Organization
from auditlog.models import Action
from mabos.errors import Conflict, NotFound

FIELDS = ("organization", "role", "name", "slug", "kind", "status", "supervisor", "config")
UPDATABLE = ("role", "name", "slug", "kind", "supervisor", "config")


def agent_role_check(organization: Organization, role: AgentRole) -> None:
    if role.organization_id is not None and role.organization_id != organization.pk:
        raise invalid("role", "This role belongs to another organization.")


def _lock_org(organization_id: Any) -> None:
    """Serialise supervisor changes within one organization, so two of them cannot close a cycle together."""
    Organization.objects.select_for_update().filter(pk=organization_id).values_list("pk", flat=True).first()


def agent_supervisor_check(agent: Agent | None, organization_id: Any, supervisor: Agent | None) -> None:
    if supervisor is None:
        return
    if supervisor.organization_id != organization_id:
        raise invalid("supervisor", "The supervisor must be an agent of the same organization.")
    if agent is None:
        return
    if supervisor.pk == agent.pk:
        raise invalid("supervisor", "An agent cannot supervise itself.")
    chain = dict(Agent.objects.filter(organization_id=organization_id, supervisor__isnull=False)
                 .values_list("id", "supervisor_id"))
    if ancestor_reaches(chain, supervisor.pk, agent.pk):
        raise invalid("supervisor", "This supervisor would make a cycle: the agent already supervises it.")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = clean_named(data)
    if "kind" in out and out["kind"] not in AgentKind.values:
        raise invalid("kind", f"Must be one of {', '.join(AgentKind.values)}.")
    if "config" in out:
        check_json_object("config", out["config"])
    return out


@transaction.atomic
def agent_create(*, organization: Organization, role: AgentRole, name: str, by: Any, slug: str | None = None,
                 kind: str = AgentKind.INTERNAL, supervisor: Agent | None = None,
                 config: dict[str, Any] | None = None) -> Agent:
    data = _clean({"name": name, "kind": kind, "config": config or {}})
    slug_field = "slug" if slug else "name"
    data["slug"] = check_slug("slug", slug) if slug else slug_from(data["name"])
    agent_role_check(organization, role)
    agent_supervisor_check(None, organization.pk, supervisor)
    if Agent.objects.filter(organization=organization, slug=data["slug"]).exists():
        raise invalid(slug_field, f"An agent with the slug {data['slug']!r} already exists in this organization.")
    try:
        with transaction.atomic():
            agent = Agent.objects.create(organization=organization, role=role, supervisor=supervisor,
                                         created_by=user_of(by), **data)
    except IntegrityError:
        raise invalid(slug_field, f"An agent with the slug {data['slug']!r} already exists "
                                  "in this organization.") from None
    if agent.kind == AgentKind.INTERNAL:
        agent_kinds_changed(internal=[agent.pk])  # its runtime row, in this transaction
    record(action=Action.CREATE, by=by, target=agent, changes=created(agent, FIELDS))
    return agent


@transaction.atomic
def agent_update(*, agent: Agent, by: Any, expected_version: int, **changes: Any) -> Agent:
    """Change an agent if it is still at ``expected_version``; else StaleVersion (409)."""
    check_changeable(changes, UPDATABLE)
    data = _clean(changes)
    if "supervisor" in data:
        _lock_org(agent.organization_id)
    current = Agent.objects.filter(pk=agent.pk).first()
    if current is None:
        raise NotFound("agent")
    if current.version != expected_version:
        raise StaleVersion("agent", current.version)
    if "role" in data:
        agent_role_check(current.organization, data["role"])
    if "supervisor" in data:
        agent_supervisor_check(current, current.organization_id, data["supervisor"])
    if "slug" in data and Agent.objects.filter(organization_id=current.organization_id, slug=data["slug"]) \
            .exclude(pk=current.pk).exists():
        raise invalid("slug", f"An agent with the slug {data['slug']!r} already exists in this organization.")
    if data.get("kind") == AgentKind.INTERNAL and current.kind != AgentKind.INTERNAL \
            and current.api_keys.filter(revoked_at__isnull=True).exists():
        raise invalid("kind", "Revoke this agent's API keys before making it internal.")
    before = snapshot(current, FIELDS)
    try:
        with transaction.atomic():
            rows = Agent.objects.filter(pk=current.pk, version=expected_version).update(
                **data, version=F("version") + 1, updated_at=timezone.now())
    except IntegrityError:
        raise invalid(sorted(data)[0] if data else "version", "The change breaks an invariant of the agent.") from None
    if rows == 0:
        raise StaleVersion("agent", Agent.objects.filter(pk=current.pk).values_list("version", flat=True).first())
    current.refresh_from_db()
    if current.kind != before["kind"]:
        internal = current.kind == AgentKind.INTERNAL
        agent_kinds_changed(internal=[current.pk] if internal else [], external=[] if internal else [current.pk])
    changes_made = diff(before, snapshot(current, FIELDS))
    changes_made["version"] = [expected_version, current.version]
    record(action=Action.UPDATE, by=by, target=current, changes=changes_made)
    if agent is not current:
        agent.refresh_from_db()
    return agent


@transaction.atomic
def agent_delete(*, agent: Agent, by: Any) -> None:
    """Delete an agent, audited; one a supervisor policy escalates to is a 409 (name another target first)."""
    if agent.escalation_policies.exists():  # agents.supervision's policies, read through the reverse relation
        raise Conflict("A supervisor policy escalates to this agent; give it another escalation target first.",
                       code="agent_is_escalation_target")
    record(action=Action.DELETE, by=by, target=agent, changes=created(agent, FIELDS))
    agent.delete()


@transaction.atomic
def agent_grant(*, agent: Agent, user: Any, verbs: tuple[str, ...] | list[str], by: Any) -> None:
    """Grant object permissions on one agent only; audited per grant."""
    for verb in verbs:
        permission_grant(by=by, obj=agent, action=verb, user=user)
