"""The database holds the invariants of beliefs and goals even when the services are bypassed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from agents.models import Belief, Goal
from tests.support.factories import AgentFactory, BeliefFactory, GoalFactory

pytestmark = pytest.mark.django_db


def refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_belief_confidence_outside_unit_interval_is_refused():
    agent = AgentFactory()
    refused(lambda: Belief.objects.create(agent=agent, key="x", value=1, confidence=1.5))
    refused(lambda: Belief.objects.create(agent=agent, key="y", value=1, confidence=-0.1))
    refused(lambda: Belief.objects.create(agent=agent, key="z", value=1, confidence=float("nan")))
    Belief.objects.create(agent=agent, key="ok", value=1, confidence=1.0)


def test_belief_key_unique_per_agent_and_well_formed():
    belief = BeliefFactory(key="cash")
    refused(lambda: Belief.objects.create(agent=belief.agent, key="cash", value=2))
    refused(lambda: Belief.objects.create(agent=belief.agent, key="has space", value=2))
    Belief.objects.create(agent=AgentFactory(), key="cash", value=2)


def test_goal_parent_must_be_of_the_same_agent_and_acyclic():
    root = GoalFactory()
    child = GoalFactory(agent=root.agent, parent=root)
    grandchild = GoalFactory(agent=root.agent, parent=child)
    refused(lambda: GoalFactory(parent=root))  # another agent
    refused(lambda: Goal.objects.filter(pk=root.pk).update(parent=grandchild))
    refused(lambda: Goal.objects.filter(pk=root.pk).update(parent=root))
    refused(lambda: Goal.objects.filter(pk=root.pk).update(priority=101))

