"""Beliefs and goals through the services."""

from __future__ import annotations

import pytest

from agents.models import JSON_MAX_CHARS, Belief, GoalStatus
from agents.reasoning.services.beliefs import belief_delete, belief_set
from agents.reasoning.services.goals import goal_create, goal_delete, goal_update
from auditlog.models import AuditEvent
from mabos.errors import InvalidInput
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_belief_set_is_an_audited_upsert(agent):
    belief_set(agent=agent, key="cash.eur", value=1000, confidence=0.8, source="bank", by=SYSTEM)
    belief = belief_set(agent=agent, key="cash.eur", value=900, confidence=0.9, source="bank", by=SYSTEM)
    assert Belief.objects.filter(agent=agent).count() == 1 and belief.value == 900
    update = AuditEvent.objects.get(target_id=str(belief.pk), action="update")
    assert update.changes == {"value": [1000, 900], "confidence": [0.8, 0.9]}
    pk = belief.pk
    belief_delete(belief=belief, by=SYSTEM)
    assert AuditEvent.objects.filter(target_id=str(pk), action="delete").exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"key": "k", "value": 1, "confidence": 1.5}, "confidence"),
    ({"key": "k", "value": 1, "confidence": float("nan")}, "confidence"),
    ({"key": "bad key", "value": 1}, "key"),
    ({"key": "k", "value": "x" * (JSON_MAX_CHARS + 1)}, "value"),
])
def test_belief_bad_input_names_the_field(agent, kwargs, field):
    with pytest.raises(InvalidInput) as info:
        belief_set(agent=agent, by=SYSTEM, **kwargs)
    assert set(info.value.fields) == {field}


def test_goal_tree_stays_within_one_agent_without_cycles(agent):
    root = goal_create(agent=agent, name="Grow", by=SYSTEM, kind="maintain", priority=80)
    child = goal_create(agent=agent, name="Open a shop", by=SYSTEM, parent=root)
    leaf = goal_create(agent=agent, name="Find a site", by=SYSTEM, parent=child)
    with pytest.raises(InvalidInput) as info:
        goal_update(goal=root, by=SYSTEM, parent=leaf)
    assert set(info.value.fields) == {"parent"}
    with pytest.raises(InvalidInput):
        goal_update(goal=root, by=SYSTEM, parent=root)
    other = goal_create(agent=AgentFactory(organization=agent.organization), name="Theirs", by=SYSTEM)
    with pytest.raises(InvalidInput) as info:
        goal_create(agent=agent, name="Borrowed", by=SYSTEM, parent=other)
    assert set(info.value.fields) == {"parent"}
    goal_update(goal=leaf, by=SYSTEM, status=GoalStatus.ACHIEVED, parent=root)
    event = AuditEvent.objects.get(target_id=str(leaf.pk), action="update")
    assert event.changes["status"] == ["pending", "achieved"]
    goal_delete(goal=root, by=SYSTEM)
    assert not agent.goals.exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"priority": 101}, "priority"), ({"kind": "dream"}, "kind"), ({"status": "done"}, "status"),
    ({"name": " "}, "name")])
def test_goal_bad_input_names_the_field(agent, kwargs, field):
    args = {"name": "G", **kwargs}
    with pytest.raises(InvalidInput) as info:
        goal_create(agent=agent, by=SYSTEM, **args)
    assert set(info.value.fields) == {field}


def test_beliefs_perceive_writes_as_belief_upsert_does_but_leaves_the_audit_to_its_caller(org):
    from agents.models import AgentEvent
    from agents.reasoning.services.beliefs import BeliefWrite, beliefs_perceive

    one, two = AgentFactory(organization=org), AgentFactory(organization=org)
    belief_set(agent=one, key="cash", value=100, by=SYSTEM)
    AgentEvent.objects.update(consumed_at="2000-01-01T00:00:00Z")
    audits = AuditEvent.objects.count()
    changes = beliefs_perceive(writes=[BeliefWrite(one, "cash", 90), BeliefWrite(two, "stock", 5),
                                       BeliefWrite(one, "cash", 90)], by=SYSTEM, source="environment")
    assert [(c.agent, c.key, c.before, c.after) for c in changes] == [(one, "cash", 100, 90), (two, "stock", None, 5)]
    assert AuditEvent.objects.count() == audits  # the caller records one event for the lot
    events = AgentEvent.objects.filter(consumed_at__isnull=True).order_by("id")
    assert [(e.agent, e.kind, e.args.get("previous")) for e in events] == [(one, "belief_changed", 100),
                                                                          (two, "belief_added", None)]
    assert Belief.objects.get(agent=two, key="stock").source == "environment"
    assert beliefs_perceive(writes=[BeliefWrite(one, "cash", 90)], by=SYSTEM) == []  # unchanged: no write, no event
    with pytest.raises(InvalidInput) as info:  # every write is checked before any is made
        beliefs_perceive(writes=[BeliefWrite(one, "cash", 1), BeliefWrite(two, "bad key", 1)], by=SYSTEM)
    assert set(info.value.fields) == {"writes[1].key"}
    assert Belief.objects.get(agent=one, key="cash").value == 90
