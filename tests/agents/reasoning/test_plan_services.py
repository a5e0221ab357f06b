"""Plan services: versions made, never changed, marked used once; disable; the scope rules; every write audited."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.common.errors import StaleVersion
from agents.models import Plan, PlanVersion
from agents.organization.services.roles import role_delete
from agents.reasoning.plans.services import (
    plan_create,
    plan_disable,
    plan_document,
    plan_enable,
    plan_revise,
    plan_version_mark_used,
    plan_versions_mark_used,
)
from auditlog.models import AuditEvent
from mabos.errors import Conflict, InvalidInput
from mabos.integrity import run_integrity_checks
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, AgentRoleFactory, BeliefFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cfo(org):
    agent = AgentFactory(organization=org, slug="cfo")
    BeliefFactory(agent=agent, key="cash", value=10)
    return agent


def doc(context="cash < 3", **extra):
    return {"trigger": {"kind": "goal_added", "name": "keep_runway"}, "context": context,
            "body": [{"kind": "achieve", "goal": "cut_costs"}], **extra}


def audits(target, action=None):
    qs = AuditEvent.objects.filter(target_id=str(target.pk))
    return qs.filter(action=action) if action else qs


def test_create_makes_version_one_current_named_after_the_trigger_and_audited(org, cfo, administrator):
    plan = plan_create(document=doc(), organization=org, by=administrator)
    version = plan.versions.get()
    assert (plan.label, plan.enabled, plan.created_by) == ("keep_runway", True, administrator)
    assert (version.version, version.is_current, version.used_at, version.created_by) == (1, True, None, administrator)
    assert (version.trigger_kind, version.trigger_name, version.source_order) == ("goal_added", "keep_runway", 0)
    event = audits(plan, "create").get()
    assert event.changes["version"] == [None, 1] and event.changes["context"] == [None, "cash < 3"]


def test_labels_are_free_names_and_orders_come_after_the_others(org, cfo):
    first = plan_create(document=doc(), organization=org, by=SYSTEM)
    second = plan_create(document=doc(), organization=org, by=SYSTEM)
    third = plan_create(document=doc(label="mine", source_order=5), organization=org, by=SYSTEM)
    fourth = plan_create(document=doc(), organization=org, by=SYSTEM)
    assert [p.label for p in (first, second, third, fourth)] == ["keep_runway", "keep_runway_2", "mine",
                                                                 "keep_runway_3"]
    assert [p.versions.get().source_order for p in (first, second, third, fourth)] == [0, 10, 5, 20]
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=doc(label="mine"), organization=org, by=SYSTEM)
    assert "label" in caught.value.fields
    odd = plan_create(document={"trigger": {"kind": "goal_added", "name": "3 Réduire les coûts"}}, organization=org,
                      by=SYSTEM)
    message = plan_create(document={"trigger": {"kind": "message", "performative": "accept-proposal"}},
                          organization=org, by=SYSTEM)
    assert (odd.label, message.label) == ("p_3_R_duire_les_co_ts", "accept_proposal")


def test_revise_makes_a_new_current_version_and_leaves_the_old_one_as_it_was(org, cfo, administrator):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    first = plan.versions.get()
    plan_version_mark_used(version=first)
    second = plan_revise(plan=plan, document={**plan_document(first), "context": "cash < 2"}, by=administrator,
                         expected_version=1)
    first.refresh_from_db()
    assert (second.version, second.is_current, second.context, second.used_at) == (2, True, "cash < 2", None)
    assert (first.is_current, first.context) == (False, "cash < 3") and first.used_at is not None
    event = audits(plan, "update").get()
    assert event.changes == {"version": [1, 2], "context": ["cash < 3", "cash < 2"]}
    assert event.actor_id == str(administrator.pk)


def test_an_unused_version_is_also_never_edited_in_place(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    plan_revise(plan=plan, document=doc(context="cash < 2"), by=SYSTEM)
    assert list(plan.versions.order_by("version").values_list("version", "context", "is_current")) == \
        [(1, "cash < 3", False), (2, "cash < 2", True)]


def test_revising_to_the_same_plan_writes_nothing(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    current = plan_revise(plan=plan, document=plan_document(plan.versions.get()), by=SYSTEM)
    again = plan_revise(plan=plan, document=doc(context="cash   <  3"), by=SYSTEM)  # the same, spaced otherwise
    assert current.version == again.version == 1 and plan.versions.count() == 1
    assert not audits(plan, "update").exists()


def test_a_stale_version_or_another_label_is_refused(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    plan_revise(plan=plan, document=doc(context="cash < 2"), by=SYSTEM)
    with pytest.raises(StaleVersion):
        plan_revise(plan=plan, document=doc(context="cash < 1"), by=SYSTEM, expected_version=1)
    with pytest.raises(InvalidInput) as caught:
        plan_revise(plan=plan, document=doc(label="renamed"), by=SYSTEM)
    assert "label" in caught.value.fields
    assert plan.versions.count() == 2


def test_mark_used_sets_used_at_once_audited_once(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    version = plan.versions.get()
    at = timezone.now() - datetime.timedelta(minutes=5)
    assert plan_version_mark_used(version=version, at=at) is True
    assert plan_version_mark_used(version=version) is False
    version.refresh_from_db()
    assert version.used_at == at
    assert audits(version, "update").count() == 1
    second = plan_revise(plan=plan, document=doc(context="cash < 2"), by=SYSTEM)
    assert plan_versions_mark_used(versions=[version, second]) == [second.pk]


def test_postgresql_refuses_any_change_to_a_versions_content(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    version = plan.versions.get()
    plan_version_mark_used(version=version)
    for change in ({"body": []}, {"context": "cash < 1"}, {"source_order": 3}, {"used_at": timezone.now()}):
        with pytest.raises(IntegrityError, match="a version never changes"), transaction.atomic():
            PlanVersion.objects.filter(pk=version.pk).update(**change)
    plan_revise(plan=plan, document=doc(context="cash < 2"), by=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():  # an old version never becomes current again
        PlanVersion.objects.filter(pk=version.pk).update(is_current=True)


def test_the_scope_is_one_organization_or_one_global_template(org, cfo, administrator):
    template = AgentRoleFactory(organization=None, slug="cfo-template")
    organization_role = AgentRoleFactory(organization=org)
    with pytest.raises(InvalidInput) as caught:
        plan_create(document=doc(context=""), role=organization_role, by=administrator)
    assert "role" in caught.value.fields
    with pytest.raises(InvalidInput):
        plan_create(document=doc(context=""), by=administrator)
    with pytest.raises(InvalidInput):
        plan_create(document=doc(context=""), organization=org, role=template, by=administrator)
    plan = plan_create(document=doc(context=""), role=template, by=administrator)
    assert plan.scope_repr.startswith("role template")
    with pytest.raises(IntegrityError, match="not a global template"), transaction.atomic():
        Plan.objects.create(role=organization_role, label="bypass")
    with pytest.raises(IntegrityError, match="keeps its organization"), transaction.atomic():
        Plan.objects.filter(pk=plan.pk).update(role=None, organization=org)
    with pytest.raises(Conflict) as conflict:
        role_delete(role=template, by=administrator)
    assert conflict.value.code == "role_has_plans"
    assert not [v for v in run_integrity_checks() if v.check.name.startswith("agents.plan")]


def test_disable_and_enable_are_audited_once_each(org, cfo):
    plan = plan_create(document=doc(), organization=org, by=SYSTEM)
    plan_disable(plan=plan, by=SYSTEM, reason="too eager")
    plan_disable(plan=plan, by=SYSTEM)
    plan.refresh_from_db()
    assert plan.enabled is False
    plan_enable(plan=plan, by=SYSTEM)
    assert [e.changes["enabled"] for e in audits(plan, "update").order_by("id")] == [[True, False], [False, True]]
    assert audits(plan, "update").order_by("id").first().note == "too eager"


def test_check_integrity_finds_a_plan_without_a_current_version(org):
    orphan = Plan.objects.create(organization=org, label="orphan")  # what no service writes
    found = {v.check.name: v.rows for v in run_integrity_checks()}
    assert [row.pk for row in found["agents.plan_has_current_version"]] == [orphan.pk]
