"""An ``action`` step through the cycle and the action worker: the request written with the step, the
intention waiting, the result back as an event that resumes it; a failed action fails the plan (-!g)."""

from __future__ import annotations

import uuid

import pytest

from agents.models import Belief, GoalStatus, IntentionStatus
from agents.reasoning.actions.models import ActionRequest
from agents.reasoning.actions.services import actions_run_due
from agents.reasoning.cycle.steps import ACTION_NAMESPACE
from tests.support.reasoning import World, intentions_of, run_cycles

pytestmark = pytest.mark.django_db


def test_an_action_step_waits_for_its_result_and_binds_it():
    world = World("cfo")
    world.plans('+!report <- .action(log, {"message": "month closed"}, Reply); +reported(Reply).')
    goal = world.goal("cfo", "report")
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.WAITING
    [request] = ActionRequest.objects.filter(agent=world.cfo)
    assert request.idempotency_key == f"intention:{intention.id}:1"
    assert request.pk == uuid.uuid5(ACTION_NAMESPACE, request.idempotency_key)
    assert intention.wait["action"] == str(request.pk)
    assert actions_run_due(limit=10) == 1
    run_cycles()
    intention.refresh_from_db()
    goal.refresh_from_db()
    assert intention.status == IntentionStatus.ACHIEVED and goal.status == GoalStatus.ACHIEVED
    assert Belief.objects.get(agent=world.cfo, key="reported").value == {"logged": True}
    assert ActionRequest.objects.filter(agent=world.cfo).count() == 1


def test_a_failed_action_fails_the_plan_and_its_recovery_runs():
    world = World("cfo")
    world.plans("""
        +!report <- .action(log, {"message": "x", "level": belief("level", "loud")}, R); +reported.
        -!report <- +report_failed.
    """)
    world.goal("cfo", "report")
    run_cycles()
    actions_run_due(limit=10)
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "action_failed"
    assert "bad_args" in intention.error["message"]
    keys = set(Belief.objects.filter(agent=world.cfo).values_list("key", flat=True))
    assert keys == {"report_failed"}
