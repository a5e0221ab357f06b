"""Supervisor policies: create, change, delete; every write validated (a 400 naming the field) and audited.

A policy is checked as a whole before it is written: intensity >= 1, period > 0, 0 <= min <= max back-off,
jitter in [0, 1], an escalation agent of the same organization, an existing user role, and escalation
targets without a cycle (the organization's escalation graph with this policy in place has none).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group as UserRole
from django.db import IntegrityError, transaction

from agents.agent.models import Agent, AgentGroup, Membership
from agents.common.audit import created, record, save_and_record
from agents.common.errors import StaleVersion, invalid
from agents.common.graphs import on_cycles
from agents.common.limits import SHORT_TEXT
from agents.common.validation import check_changeable
from agents.organization.models import Organization
from agents.supervision.models import EscalateTo, RestartType, Strategy, SupervisorPolicy
from agents.supervision.scope import SUPERVISED_ROLES, escalation_of
from auditlog.models import Action

FIELDS = ("organization", "group", "strategy", "intensity", "period_seconds", "restart", "backoff_min_seconds",
          "backoff_max_seconds", "backoff_jitter", "heartbeat_timeout_seconds", "failure_threshold",
          "failure_window_seconds", "escalate_to", "escalate_agent", "escalate_role", "reset_beliefs")
CHANGEABLE = frozenset(FIELDS) - {"organization", "group"}
#: The longest any time a policy names may be: a day.
SECONDS_MAX = 86_400
_INTEGERS = {"intensity": (1, 1000), "period_seconds": (1, SECONDS_MAX), "heartbeat_timeout_seconds": (1, SECONDS_MAX),
             "failure_threshold": (1, 10_000), "failure_window_seconds": (1, SECONDS_MAX)}
_NUMBERS = {"backoff_min_seconds": (0.0, SECONDS_MAX), "backoff_max_seconds": (0.0, SECONDS_MAX),
            "backoff_jitter": (0.0, 1.0)}
_CHOICES = {"strategy": Strategy, "restart": RestartType, "escalate_to": EscalateTo}


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for name, (low, high) in _INTEGERS.items():
        if name in out:
            value = out[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise invalid(name, f"An integer from {low} to {high}.")
    for name, (low, high) in _NUMBERS.items():
        if name in out:
            value = out[name]
            if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
                raise invalid(name, f"A number from {low:g} to {high:g}.")
            out[name] = float(value)
    for name, choices in _CHOICES.items():
        if name in out and out[name] not in choices.values:
            raise invalid(name, f"Must be one of {', '.join(choices.values)}.")
    if "reset_beliefs" in out and not isinstance(out["reset_beliefs"], bool):
        raise invalid("reset_beliefs", "Must be true or false.")
    if "escalate_role" in out:
        role = out["escalate_role"]
        if role is None:
            out["escalate_role"] = role = ""
        if not isinstance(role, str) or len(role) > SHORT_TEXT:
            raise invalid("escalate_role", f"The name of a user role, at most {SHORT_TEXT} characters.")
    return out


def _check_whole(policy: SupervisorPolicy) -> None:
    """The rules between fields, and the ones that read other rows, on the policy as it would be written."""
    if policy.backoff_min_seconds > policy.backoff_max_seconds:
        raise invalid("backoff_min_seconds", "The minimum back-off may not be longer than the maximum.")
    if policy.escalate_to == EscalateTo.AGENT:
        if policy.escalate_agent_id is None:
            raise invalid("escalate_agent", "Name the agent to escalate to (escalate_to is agent).")
        if not Agent.objects.filter(pk=policy.escalate_agent_id, organization_id=policy.organization_id).exists():
            raise invalid("escalate_agent", "No such agent in this organization.")
    else:
        policy.escalate_agent = None
    if policy.escalate_to == EscalateTo.ROLE:
        if not policy.escalate_role:
            raise invalid("escalate_role", "Name the user role to escalate to (escalate_to is role).")
        if not UserRole.objects.filter(name=policy.escalate_role).exists():
            raise invalid("escalate_role", f"No user role is called {policy.escalate_role!r}.")
    else:
        policy.escalate_role = ""
    _check_no_cycle(policy)


def escalation_edges(organization_id: Any, *, replacing: SupervisorPolicy | None = None,
                     removed: Any = None) -> dict[Any, Any]:
    """Each supervised agent of the organization -> the agent its escalation goes to (people are not agents).

    ``replacing`` stands in for the stored policy of its group (or the default); ``removed`` is left out.
    """
    policies = {p.group_id: p for p in SupervisorPolicy.objects.filter(organization_id=organization_id)
                if p.pk != removed and (replacing is None or p.group_id != replacing.group_id)}
    if replacing is not None:
        policies[replacing.group_id] = replacing
    supervisors = dict(Agent.objects.filter(organization_id=organization_id).values_list("pk", "supervisor_id"))
    first: dict[Any, Any] = {}
    leaders: dict[Any, Any] = {}
    for agent_id, group_id, role in (Membership.objects.filter(organization_id=organization_id,
                                                               role__in=SUPERVISED_ROLES)
                                     .order_by("created_at", "id").values_list("agent_id", "group_id", "role")):
        if role == "leader":
            leaders[group_id] = agent_id
        if group_id in policies:
            first.setdefault(agent_id, group_id)
    edges: dict[Any, Any] = {}
    for agent_id, supervisor_id in supervisors.items():
        policy = policies.get(first.get(agent_id)) or policies.get(None)
        if policy is None:
            continue
        target = escalation_of(agent_id, supervisor_id, policy, leader_id=leaders.get(policy.group_id))
        if target.agent_id is not None:
            edges[agent_id] = target.agent_id
    return edges


def _check_no_cycle(policy: SupervisorPolicy) -> None:
    looped = on_cycles(escalation_edges(policy.organization_id, replacing=policy))
    if looped:
        names = dict(Agent.objects.filter(pk__in=looped).values_list("pk", "name"))
        raise invalid("escalate_to", "These agents would escalate to each other in a cycle: "
                                     + ", ".join(sorted(names.values())) + ".")


@transaction.atomic
def policy_create(*, organization: Organization, by: Any, group: AgentGroup | None = None,
                  **fields: Any) -> SupervisorPolicy:
    """Give ``group`` (or, without one, the organization as its default) a supervisor policy."""
    check_changeable(fields, CHANGEABLE)
    data = _clean(fields)
    if group is not None and group.organization_id != organization.pk:
        raise invalid("group", "The group belongs to another organization.")
    Organization.objects.select_for_update().filter(pk=organization.pk).first()  # one writer per org's policies
    if SupervisorPolicy.objects.filter(organization=organization, group=group).exists():
        raise invalid("group", "This group already has a policy." if group else
                      "The organization already has a default policy.")
    escalate_agent = data.pop("escalate_agent", None)
    policy = SupervisorPolicy(organization=organization, group=group, **data)
    policy.escalate_agent_id = getattr(escalate_agent, "pk", escalate_agent)
    _check_whole(policy)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        raise invalid("group", "This group already has a policy.") from None
    record(action=Action.CREATE, by=by, target=policy, changes=created(policy, FIELDS))
    return policy


@transaction.atomic
def policy_update(*, policy: SupervisorPolicy, by: Any, expected_version: int | None = None,
                  **changes: Any) -> SupervisorPolicy:
    check_changeable(changes, CHANGEABLE)
    data = _clean(changes)
    Organization.objects.select_for_update().filter(pk=policy.organization_id).first()
    locked = SupervisorPolicy.objects.select_for_update().get(pk=policy.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion("supervisor policy", locked.version)
    if "escalate_agent" in data:
        agent = data.pop("escalate_agent")
        data["escalate_agent_id"] = getattr(agent, "pk", agent)
    trial = SupervisorPolicy.objects.get(pk=policy.pk)
    for key, value in data.items():
        setattr(trial, key, value)
    _check_whole(trial)
    data.update(escalate_agent_id=trial.escalate_agent_id, escalate_role=trial.escalate_role)
    if any(getattr(locked, key) != value for key, value in data.items()):
        data["version"] = locked.version + 1  # a PATCH that changes nothing keeps the version (and writes no audit)
    save_and_record(locked, data, FIELDS, by=by)
    return locked


@transaction.atomic
def policy_delete(*, policy: SupervisorPolicy, by: Any) -> None:
    """Delete a policy: its agents fall back to the next group's policy or the default; their events stay."""
    record(action=Action.DELETE, by=by, target=policy, changes=created(policy, FIELDS))
    policy.delete()
