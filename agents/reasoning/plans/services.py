"""Writes of plans: create, revise (a new version), disable and enable, and the cycle's "this version ran".

Every write is one transaction with its audit event. Versions are immutable from birth: ``plan_revise``
always writes version n+1 and makes it current, whether or not an intention has used version n. That
leaves no moment where an author edits a version the cycle is starting an intention on (the cycle marks
a version used in its own transaction, with no lock shared with authoring), and the history of what ran
is complete. ``used_at`` says which versions ran; running intentions finish on theirs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from agents.common.audit import record, user_of
from agents.common.errors import StaleVersion, invalid
from agents.common.limits import PLAN_LABEL_MAX, PLAN_ORDER_MAX
from agents.organization.models import AgentRole, Organization
from agents.reasoning.plans.document import DOCUMENT_FIELDS, document_clean
from agents.reasoning.plans.models import Plan, PlanVersion, learning_of
from agents.reasoning.plans.references import PlanScope
from agents.reasoning.plans.steps import body_in_order
from agents.reasoning.plans.triggers import TriggerKind, trigger_columns, trigger_of
from agents.reasoning.services.goals import goals_waiting_retry
from auditlog.models import Action

#: Source orders of plans created without one are spaced, so a plan can be put between two later.
ORDER_STEP = 10


def plan_scope(*, organization: Organization | None = None, role: AgentRole | None = None) -> PlanScope:
    """The scope of a new plan: exactly one of an organization and a global role template."""
    if (organization is None) == (role is None):
        raise invalid("organization", "A plan belongs to an organization or to a global role template: name one.")
    if role is not None and role.organization_id is not None:
        raise invalid("role", "Only a global role template (no organization) has plans of its own; for a role of "
                              "one organization, give the plan to that organization.")
    return PlanScope(organization=organization, role=role)


def scope_of(plan: Plan) -> PlanScope:
    return PlanScope(organization=plan.organization if plan.organization_id else None,
                     role=plan.role if plan.role_id else None)


def plan_document(version: PlanVersion, *, label: str | None = None) -> dict[str, Any]:
    """The stored document of a version: what the API returns and the text form prints."""
    return {"label": label if label is not None else version.plan.label,
            "trigger": trigger_of(version.trigger_kind, version.trigger_name, version.trigger_ontology,
                                  version.trigger_protocol),
            "args": list(version.args), "context": version.context, "body": body_in_order(version.body),
            "atomic": version.atomic, "source_order": version.source_order, "learning": learning_of(version.learning)}


def _scope_plans(scope: PlanScope) -> Any:
    if scope.organization is not None:
        return Plan.objects.filter(organization=scope.organization)
    return Plan.objects.filter(role=scope.role)


def _free_label(scope: PlanScope, trigger: dict[str, Any]) -> str:
    """A label from the trigger (``keep_runway``, ``keep_runway_2`` ...) that no plan of the scope has."""
    stem = "".join(char if (char.isascii() and char.isalnum()) or char == "_" else "_" for char in
                   (trigger.get("name") or trigger.get("performative") or trigger["kind"]))
    stem = (stem if stem[:1].isalpha() or stem[:1] == "_" else f"p_{stem}")[: PLAN_LABEL_MAX - 8] or "plan"
    taken = set(_scope_plans(scope).filter(label__startswith=stem).values_list("label", flat=True))
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}_{number}" in taken:
        number += 1
    return f"{stem}_{number}"


def _next_order(scope: PlanScope) -> int:
    """After every plan of the scope, as a new plan comes after the others in a Jason source file."""
    highest = PlanVersion.objects.filter(plan__in=_scope_plans(scope), is_current=True) \
        .aggregate(highest=Max("source_order"))["highest"]
    return 0 if highest is None else min(highest + ORDER_STEP, PLAN_ORDER_MAX)


def _version_row(plan: Plan, document: dict[str, Any], *, number: int, by: Any) -> PlanVersion:
    return PlanVersion.objects.create(
        plan=plan, version=number, is_current=True, **trigger_columns(document["trigger"]), args=document["args"],
        context=document["context"], body=document["body"], source_order=document["source_order"],
        atomic=document["atomic"], learning=document["learning"], created_by=user_of(by))


def _label_taken(label: str) -> Any:
    return invalid("label", f"A plan labelled {label!r} already exists here; post a new version of it instead.")


@transaction.atomic
def plan_create(*, document: Any, by: Any, organization: Organization | None = None,
                role: AgentRole | None = None) -> Plan:
    """A new plan with its version 1, from a plan document (the JSON form, or what ``text_to_plans`` read)."""
    scope = plan_scope(organization=organization, role=role)
    cleaned = document_clean(document, scope=scope)
    label = cleaned["label"] or _free_label(scope, cleaned["trigger"])
    if _scope_plans(scope).filter(label=label).exists():
        raise _label_taken(label)
    if cleaned["source_order"] is None:
        cleaned["source_order"] = _next_order(scope)
    cleaned["label"] = label
    try:
        with transaction.atomic():
            plan = Plan.objects.create(organization=organization, role=role, label=label, created_by=user_of(by))
    except IntegrityError:  # the same label, created concurrently
        raise _label_taken(label) from None
    _version_row(plan, cleaned, number=1, by=by)
    _retry_waiting_goals(plan, cleaned["trigger"], by)
    record(action=Action.CREATE, by=by, target=plan, target_repr=f"plan {label} ({scope.describe()})",
           changes={"version": [None, 1], **{name: [None, cleaned[name]] for name in DOCUMENT_FIELDS}})
    return plan


@transaction.atomic
def plan_revise(*, plan: Plan, document: Any, by: Any, expected_version: int | None = None) -> PlanVersion:
    """Version n+1 of ``plan`` from a whole document; it becomes current, intentions on n finish on n.

    A document equal to the current version writes nothing and returns the current version. With
    ``expected_version`` (the version the author read), a plan revised meanwhile is a 409, so one
    author's change is never silently replaced by another's.
    """
    plan = Plan.objects.select_for_update(of=("self",)).select_related("organization", "role").get(pk=plan.pk)
    current = plan.versions.get(is_current=True)
    if expected_version is not None and expected_version != current.version:
        raise StaleVersion("plan", current.version)
    cleaned = document_clean(document, scope=scope_of(plan))
    if cleaned["label"] not in (None, plan.label):
        raise invalid("label", f"A plan keeps its label across versions ({plan.label!r}); create a new plan for "
                               "another label.")
    cleaned["label"] = plan.label
    if cleaned["source_order"] is None:
        cleaned["source_order"] = current.source_order
    before = plan_document(current, label=plan.label)
    if cleaned == before:
        return current
    current.is_current = False
    current.save(update_fields=["is_current"])
    version = _version_row(plan, cleaned, number=current.version + 1, by=by)
    _retry_waiting_goals(plan, cleaned["trigger"], by)
    plan.save(update_fields=["updated_at"])
    changes = {name: [before[name], cleaned[name]] for name in DOCUMENT_FIELDS if before[name] != cleaned[name]}
    record(action=Action.UPDATE, by=by, target=plan, target_repr=f"plan {plan.label}",
           changes={"version": [current.version, version.version], **changes})
    return version


def _retry_waiting_goals(plan: Plan, trigger: dict[str, Any], by: Any) -> None:
    """After commit: goals kept pending for want of a relevant plan are posted again (a ``+!g`` plan only)."""
    if trigger["kind"] != TriggerKind.GOAL_ADDED or not plan.enabled:
        return
    name, organization_id, role_id = trigger["name"], plan.organization_id, plan.role_id

    def retry() -> None:
        goals_waiting_retry(name=name, by=by, organization_id=organization_id, role_id=role_id)

    transaction.on_commit(retry, robust=True)


def _set_enabled(plan: Plan, enabled: bool, by: Any, reason: str) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.enabled != enabled:
        plan.enabled = enabled
        plan.save(update_fields=["enabled", "updated_at"])
        if enabled:
            current = plan.versions.get(is_current=True)
            _retry_waiting_goals(plan, {"kind": current.trigger_kind, "name": current.trigger_name}, by)
        record(action=Action.UPDATE, by=by, target=plan, target_repr=f"plan {plan.label}",
               changes={"enabled": [not enabled, enabled]}, note=reason)
    return plan


@transaction.atomic
def plan_disable(*, plan: Plan, by: Any, reason: str = "") -> Plan:
    """No new intention starts on the plan; intentions running on one of its versions finish on it."""
    return _set_enabled(plan, False, by, reason)


@transaction.atomic
def plan_enable(*, plan: Plan, by: Any, reason: str = "") -> Plan:
    return _set_enabled(plan, True, by, reason)


@transaction.atomic
def plan_versions_mark_used(*, versions: Iterable[PlanVersion], by: Any = None,
                            at: datetime.datetime | None = None) -> list[Any]:
    """Record that intentions started on ``versions`` (the cycle calls this in its own transaction).

    One UPDATE for all of them; only versions not yet marked change, each with one audit event, so a
    replayed cycle marks nothing twice. Returns the ids of the versions it marked.
    """
    ids = [version.pk for version in versions]
    if not ids:
        return []
    at = at or timezone.now()
    marked = list(PlanVersion.objects.filter(pk__in=ids, used_at__isnull=True).select_for_update()
                  .values_list("pk", "version", "plan_id"))
    PlanVersion.objects.filter(pk__in=[pk for pk, _, _ in marked]).update(used_at=at)
    for pk, number, plan_id in marked:
        record(action=Action.UPDATE, by=by, target=PlanVersion(pk=pk, plan_id=plan_id, version=number),
               target_repr=f"version {number} of plan {plan_id}", changes={"used_at": [None, at.isoformat()]},
               note="an intention started on this version")
    return [pk for pk, _, _ in marked]


def plan_version_mark_used(*, version: PlanVersion, by: Any = None, at: datetime.datetime | None = None) -> bool:
    """``plan_versions_mark_used`` for one version: True if this call marked it (False: it was already used)."""
    return bool(plan_versions_mark_used(versions=[version], by=by, at=at))
