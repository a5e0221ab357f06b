"""Supervisor policies through their services: every bad field a 400 naming it, nothing written; escalation
cycles refused; the database refuses what a service would (a group or agent of another organization, an
UPDATE of the event log)."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.common.errors import StaleVersion
from agents.models import SupervisionEvent, SupervisorPolicy
from agents.supervision.scope import policies_of
from agents.supervision.services.policies import policy_create, policy_delete, policy_update
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def field_of(error: InvalidInput) -> str:
    return next(iter(error.fields))


@pytest.mark.parametrize(("fields", "field"), [
    ({"intensity": 0}, "intensity"),
    ({"intensity": True}, "intensity"),
    ({"period_seconds": 0}, "period_seconds"),
    ({"backoff_min_seconds": 5.0, "backoff_max_seconds": 1.0}, "backoff_min_seconds"),
    ({"backoff_jitter": 2}, "backoff_jitter"),
    ({"backoff_max_seconds": "10"}, "backoff_max_seconds"),
    ({"strategy": "one_for_some"}, "strategy"),
    ({"restart": "sometimes"}, "restart"),
    ({"escalate_to": "agent"}, "escalate_agent"),
    ({"escalate_to": "role"}, "escalate_role"),
    ({"escalate_to": "role", "escalate_role": "no such role"}, "escalate_role"),
    ({"reset_beliefs": "yes"}, "reset_beliefs"),
    ({"heartbeat_timeout_seconds": 10**9}, "heartbeat_timeout_seconds"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_field_is_a_400_naming_it_and_nothing_is_written(fields, field):
    org = OrganizationFactory()
    audits = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        policy_create(organization=org, by=SYSTEM, **fields)
    assert field_of(refused.value) == field
    assert not SupervisorPolicy.objects.exists() and AuditEvent.objects.count() == audits


def test_targets_of_another_organization_are_refused():
    org, other = OrganizationFactory(), OrganizationFactory()
    stranger = AgentFactory(organization=other)
    their_group = group_create(organization=other, name="Theirs", by=SYSTEM)
    with pytest.raises(InvalidInput) as refused:
        policy_create(organization=org, by=SYSTEM, escalate_to="agent", escalate_agent=stranger)
    assert field_of(refused.value) == "escalate_agent"
    with pytest.raises(InvalidInput) as refused:
        policy_create(organization=org, group=their_group, by=SYSTEM)
    assert field_of(refused.value) == "group"
    assert not SupervisorPolicy.objects.exists()


def test_the_database_holds_a_policy_to_its_organization_and_the_event_log_append_only():
    org, other = OrganizationFactory(), OrganizationFactory()
    stranger = AgentFactory(organization=other)
    with pytest.raises(IntegrityError, match="another organization"), transaction.atomic():
        SupervisorPolicy.objects.create(organization=org, escalate_to="agent", escalate_agent=stranger)
    agent = AgentFactory(organization=org)
    event = SupervisionEvent.objects.create(organization=org, agent=agent, kind="restarted")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE agents_supervisionevent SET kind = 'escalated' WHERE id = %s", [event.pk])


def two_teams():
    org = OrganizationFactory()
    ada, bob = AgentFactory(organization=org, name="Ada"), AgentFactory(organization=org, name="Bob")
    red = group_create(organization=org, name="Red", by=SYSTEM)
    blue = group_create(organization=org, name="Blue", by=SYSTEM)
    membership_add(group=red, agent=ada, role="leader", by=SYSTEM)
    membership_add(group=red, agent=bob, by=SYSTEM)
    membership_add(group=blue, agent=bob, role="leader", by=SYSTEM)
    membership_add(group=blue, agent=ada, by=SYSTEM)
    return org, ada, bob, red, blue


def test_a_cycle_of_escalation_targets_is_refused_naming_the_agents():
    org, ada, bob, red, _blue = two_teams()
    # Bob (a member of Red) escalates to Red's leader Ada; Ada, the leader, to her supervisor: Bob.
    type(ada).objects.filter(pk=ada.pk).update(supervisor=bob)
    audits = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        policy_create(organization=org, group=red, by=SYSTEM)
    assert field_of(refused.value) == "escalate_to"
    assert "Ada" in str(refused.value.fields) and "Bob" in str(refused.value.fields)
    assert not SupervisorPolicy.objects.exists() and AuditEvent.objects.count() == audits
    # Escalating to people instead breaks the cycle.
    policy_create(organization=org, group=red, by=SYSTEM, escalate_to="role", escalate_role="operator")


def test_an_agent_is_supervised_by_its_first_group_with_a_policy_else_the_default():
    org, ada, bob, red, blue = two_teams()
    loner = AgentFactory(organization=org)
    default = policy_create(organization=org, by=SYSTEM, strategy="one_for_all")
    blue_policy = policy_create(organization=org, group=blue, by=SYSTEM)
    found = policies_of([ada.pk, bob.pk, loner.pk])
    assert found == {ada.pk: blue_policy, bob.pk: blue_policy, loner.pk: default}
    red_policy = policy_create(organization=org, group=red, by=SYSTEM)
    assert policies_of([ada.pk, bob.pk]) == {ada.pk: red_policy, bob.pk: red_policy}
    policy_delete(policy=red_policy, by=SYSTEM)
    assert policies_of([ada.pk]) == {ada.pk: blue_policy}


def test_a_stale_version_is_refused():
    org = OrganizationFactory()
    policy = policy_create(organization=org, by=SYSTEM)
    policy_update(policy=policy, by=SYSTEM, intensity=5, expected_version=1)
    with pytest.raises(StaleVersion):
        policy_update(policy=policy, by=SYSTEM, intensity=6, expected_version=1)
    assert SupervisorPolicy.objects.get(pk=policy.pk).intensity == 5


def test_the_cycle_error_signal_reads_the_failed_cycles_index():
    """Asked on a copy of the table holding only this test's rows (the shared table's statistics depend on every
    earlier test, and so does the planner's choice): one agent's 300 traces, 3 of failed cycles."""
    from agents.models import CycleTrace
    from agents.supervision.services.signals import CYCLE_FAILED, _cycle_failed

    agent = AgentFactory()
    now = timezone.now()
    CycleTrace.objects.bulk_create([CycleTrace(agent=agent, cycle=n, at=now, steps=[CYCLE_FAILED] if n % 100 == 0
                                               else [{"kind": "send", "result": "sent"}]) for n in range(300)])
    query = _cycle_failed(CycleTrace.objects.filter(agent=agent, at__gt=now - datetime.timedelta(minutes=5)))
    sql, params = query.order_by().query.sql_with_params()  # the signal counts: no order
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE trace_probe (LIKE agents_cycletrace INCLUDING INDEXES) ON COMMIT DROP")
        cursor.execute("INSERT INTO trace_probe SELECT * FROM agents_cycletrace WHERE agent_id = %s", [str(agent.pk)])
        cursor.execute("ANALYZE trace_probe")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'trace_probe' AND indexdef LIKE %s",
                       ["%WHERE (steps @>%"])
        [(partial,)] = cursor.fetchall()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql.replace('agents_cycletrace', 'trace_probe')}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f" {partial} " in f"{plan} ", plan


def test_a_cycle_made_later_by_a_supervisor_change_is_found_by_the_integrity_check():
    from agents.supervision.integrity import agents_on_escalation_cycles

    org, ada, bob, red, _blue = two_teams()
    policy_create(organization=org, group=red, by=SYSTEM)
    assert agents_on_escalation_cycles() == []
    type(ada).objects.filter(pk=ada.pk).update(supervisor=bob)  # the agent services do not read policies
    assert sorted(agents_on_escalation_cycles(), key=str) == sorted([ada.pk, bob.pk], key=str)


def test_deleting_a_policy_its_events_name_keeps_the_events_and_forgets_the_policy():
    org = OrganizationFactory()
    agent = AgentFactory(organization=org)
    policy = policy_create(organization=org, by=SYSTEM)
    event = SupervisionEvent.objects.create(organization=org, agent=agent, policy=policy, kind="restarted")
    policy_delete(policy=policy, by=SYSTEM)
    event.refresh_from_db()
    assert event.policy_id is None and event.kind == "restarted"
    other = policy_create(organization=org, by=SYSTEM)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        SupervisionEvent.objects.filter(pk=event.pk).update(policy=other)


def test_an_update_that_changes_nothing_keeps_the_version_and_writes_no_audit():
    org = OrganizationFactory()
    policy = policy_create(organization=org, by=SYSTEM, intensity=4)
    audits = AuditEvent.objects.count()
    same = policy_update(policy=policy, by=SYSTEM, intensity=4, expected_version=1)
    assert same.version == 1 and AuditEvent.objects.count() == audits
    assert policy_update(policy=policy, by=SYSTEM, intensity=5, expected_version=1).version == 2
