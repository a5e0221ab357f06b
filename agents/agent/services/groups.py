"""Agent groups and their members. A group and its members are always of one organization."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import Agent, AgentGroup, Membership, MembershipRole
from agents.common.audit import created, record, save_and_record
from agents.common.errors import invalid
from agents.common.limits import NAME_MAX, NOTE_MAX
from agents.common.validation import check_changeable, check_text
from agents.organization.models import Organization
from auditlog.models import Action

FIELDS = ("organization", "name", "purpose")
MEMBER_FIELDS = ("group", "agent", "role")




def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "name" in out:
        out["name"] = check_text("name", out["name"], max_length=NAME_MAX)
    if "purpose" in out:
        out["purpose"] = check_text("purpose", out["purpose"], max_length=NOTE_MAX, required=False)
    return out


def _name_taken(organization_id: Any, name: str, exclude: Any = None) -> bool:
    return AgentGroup.objects.filter(organization_id=organization_id, name=name).exclude(pk=exclude).exists()


@transaction.atomic
def group_create(*, organization: Organization, name: str, by: Any, purpose: str = "") -> AgentGroup:
    data = _clean({"name": name, "purpose": purpose})
    if _name_taken(organization.pk, data["name"]):
        raise invalid("name", "A group with this name already exists in the organization.")
    try:
        with transaction.atomic():
            group = AgentGroup.objects.create(organization=organization, **data)
    except IntegrityError:
        raise invalid("name", "A group with this name already exists in the organization.") from None
    record(action=Action.CREATE, by=by, target=group, changes=created(group, FIELDS))
    return group


@transaction.atomic
def group_update(*, group: AgentGroup, by: Any, **changes: Any) -> AgentGroup:
    check_changeable(changes, {"name", "purpose"})
    data = _clean(changes)
    group = AgentGroup.objects.select_for_update().get(pk=group.pk)
    if "name" in data and _name_taken(group.organization_id, data["name"], exclude=group.pk):
        raise invalid("name", "A group with this name already exists in the organization.")
    save_and_record(group, data, FIELDS, by=by)
    return group


@transaction.atomic
def group_delete(*, group: AgentGroup, by: Any) -> None:
    record(action=Action.DELETE, by=by, target=group, changes=created(group, FIELDS))
    group.delete()


def _check_role(role: str, group: AgentGroup, exclude: Any = None) -> None:
    if role not in MembershipRole.values:
        raise invalid("role", f"Must be one of {', '.join(MembershipRole.values)}.")
    if role == MembershipRole.LEADER and Membership.objects.filter(
            group=group, role=MembershipRole.LEADER).exclude(pk=exclude).exists():
        raise invalid("role", "This group already has a leader.")


@transaction.atomic
def membership_add(*, group: AgentGroup, agent: Agent, by: Any, role: str = MembershipRole.MEMBER) -> Membership:
    """Put an agent in a group of its own organization."""
    if agent.organization_id != group.organization_id:
        raise invalid("agent", "The agent belongs to another organization than the group.")
    AgentGroup.objects.select_for_update().filter(pk=group.pk).first()  # one leader, even under races
    _check_role(role, group)
    if Membership.objects.filter(group=group, agent=agent).exists():
        raise invalid("agent", "The agent is already a member of this group.")
    membership = Membership.objects.create(organization_id=group.organization_id, group=group, agent=agent,
                                           role=role)
    record(action=Action.CREATE, by=by, target=membership, changes=created(membership, MEMBER_FIELDS),
           target_repr=f"{agent} in {group}")
    return membership


@transaction.atomic
def membership_update(*, membership: Membership, role: str, by: Any) -> Membership:
    """Change a member's role. "Before" is the stored row (re-read under lock), not the caller's instance,
    which an admin inline form has already changed in memory."""
    AgentGroup.objects.select_for_update().filter(pk=membership.group_id).first()
    membership = Membership.objects.select_for_update().select_related("agent", "group").get(pk=membership.pk)
    _check_role(role, membership.group, exclude=membership.pk)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if before != role:
        record(action=Action.UPDATE, by=by, target=membership, changes={"role": [before, role]},
               target_repr=f"{membership.agent} in {membership.group}")
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: Any) -> None:
    record(action=Action.DELETE, by=by, target=membership, changes=created(membership, MEMBER_FIELDS),
           target_repr=f"{membership.agent} in {membership.group}")
    membership.delete()
