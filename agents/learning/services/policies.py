"""Selection policies and group sharing switches: every write validated (a 400 naming the field) and audited.

An organization has at most one default policy (no trigger) and one per plan trigger (kind and name). A
policy name outside ``first_applicable``/``thompson``/``thompson_shared``, a weight outside [0, 10], a trigger
kind that is not a plan trigger's, or a trigger with a kind but no name: each is a 400 naming its field and
nothing is written. The cycle reads the policies at the next batch (learning/selection.py).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from agents.agent.models import AgentGroup
from agents.common.audit import created, record, save_and_record
from agents.common.errors import StaleVersion, invalid
from agents.common.limits import SHORT_TEXT
from agents.common.validation import check_changeable
from agents.learning.models import SHARED_WEIGHT_MAX, GroupLearning, PolicyName, SelectionPolicy
from agents.organization.models import Organization
from agents.reasoning.plans.triggers import TriggerKind
from auditlog.models import Action

FIELDS = ("organization", "trigger_kind", "trigger_name", "policy", "shared_weight")
CHANGEABLE = frozenset({"policy", "shared_weight"})


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    if "policy" in out and out["policy"] not in PolicyName.values:
        raise invalid("policy", f"No policy {out['policy']!r}; the policies are {', '.join(PolicyName.values)}.")
    if "shared_weight" in out:
        weight = out["shared_weight"]
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight != weight \
                or not 0 <= weight <= SHARED_WEIGHT_MAX:
            raise invalid("shared_weight", f"A number from 0 to {SHARED_WEIGHT_MAX:g}.")
        out["shared_weight"] = float(weight)
    kind = out.get("trigger_kind") or ""
    name = out.get("trigger_name") or ""
    if not isinstance(kind, str) or (kind and kind not in TriggerKind.values):
        raise invalid("trigger_kind", f"Empty (the organization's default) or one of {', '.join(TriggerKind.values)}.")
    if not isinstance(name, str) or len(name) > SHORT_TEXT:
        raise invalid("trigger_name", f"Text of at most {SHORT_TEXT} characters.")
    if bool(kind) != bool(name):
        raise invalid("trigger_name" if kind else "trigger_kind",
                      "A trigger needs both its kind and its name; leave both empty for the default.")
    out["trigger_kind"], out["trigger_name"] = kind, name
    return out


def _taken(kind: str) -> Any:
    return invalid("trigger_name" if kind else "organization",
                   "This trigger already has a policy here." if kind else "The organization already has a default "
                                                                          "policy; change that one.")


@transaction.atomic
def selection_policy_create(*, organization: Organization, by: Any, **fields: Any) -> SelectionPolicy:
    """Give the organization (or one of its plan triggers) a selection policy."""
    check_changeable(fields, CHANGEABLE | {"trigger_kind", "trigger_name"})
    data = _clean(fields)
    if SelectionPolicy.objects.filter(organization=organization, trigger_kind=data["trigger_kind"],
                                      trigger_name=data["trigger_name"]).exists():
        raise _taken(data["trigger_kind"])
    policy = SelectionPolicy(organization=organization, **data)
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:  # the same trigger, created concurrently
        raise _taken(data["trigger_kind"]) from None
    record(action=Action.CREATE, by=by, target=policy, changes=created(policy, FIELDS))
    return policy


@transaction.atomic
def selection_policy_update(*, policy: SelectionPolicy, by: Any, expected_version: int | None = None,
                            changes: dict[str, Any] | None = None, **fields: Any) -> SelectionPolicy:
    """Change a policy's ``policy`` or ``shared_weight``. The policy name travels in ``changes`` (the keyword
    ``policy`` is the row changed); ``shared_weight`` may come either way."""
    changes = {**(changes or {}), **fields}
    check_changeable(changes, CHANGEABLE)
    data = _clean({**changes, "trigger_kind": policy.trigger_kind, "trigger_name": policy.trigger_name})
    del data["trigger_kind"], data["trigger_name"]
    locked = SelectionPolicy.objects.select_for_update().get(pk=policy.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion("selection policy", locked.version)
    if any(getattr(locked, key) != value for key, value in data.items()):
        data["version"] = locked.version + 1
    save_and_record(locked, data, FIELDS, by=by)
    return locked


@transaction.atomic
def selection_policy_delete(*, policy: SelectionPolicy, by: Any) -> None:
    """Its triggers fall back to the organization's default, the default to ``LEARNING_DEFAULT_POLICY``."""
    record(action=Action.DELETE, by=by, target=policy, changes=created(policy, FIELDS))
    policy.delete()


@transaction.atomic
def group_sharing_set(*, group: AgentGroup, sharing: Any, by: Any) -> GroupLearning:
    """Switch a group's experience sharing: off, its members neither pool into nor read its statistics."""
    if not isinstance(sharing, bool):
        raise invalid("sharing", "Must be true or false.")
    AgentGroup.objects.select_for_update().filter(pk=group.pk).first()
    switch, made = GroupLearning.objects.get_or_create(group=group)
    if switch.sharing != sharing or made:
        before = None if made else switch.sharing
        switch.sharing = sharing
        switch.save()
        if before != sharing:
            record(action=Action.UPDATE, by=by, target=group, changes={"learning.sharing": [before, sharing]},
                   note="experience sharing switched")
    return switch
