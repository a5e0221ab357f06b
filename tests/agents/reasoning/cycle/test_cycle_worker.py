"""The cycle on a real Celery worker: a plan posted and a goal adopted through the API, the agent acting on
its own (woken after commit, no sweeper: the session's worker runs without beat)."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm

from agents.models import Belief, CycleTrace, Goal, Intention, Message
from tests.support.api import client_for, create_user
from tests.support.polling import wait_until
from tests.support.reasoning import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

PLAN = """\
@cut_costs +!keep_runway(Months) : cash < Months * monthly_costs
    <- +cost_cut; .send(ceo, inform, {"runway": cash / monthly_costs}).
"""
RECOVERY = """\
@pay +!pay(Amount) <- Amount < cash; +paid(Amount).
"""
FAILED = """\
-!pay(Amount) <- .send(ceo, failure, {"could_not_pay": Amount}).
"""


def _manager(org):
    user = create_user(roles=("operator",))
    for verb in ("view", "change", "operate"):
        assign_perm(f"{verb}_organization", user, org)
    return user


def test_a_plan_and_a_goal_posted_through_the_api_make_the_agent_act_once(celery_worker_process):
    world = World("cfo", "ceo", beliefs={"cfo": {"cash": 60000, "monthly_costs": 30000}})
    client = client_for(_manager(world.org))
    response = client.post("/api/v1/plans/", {"organization": str(world.org.pk), "text": PLAN}, format="json")
    assert response.status_code == 201, response.content
    response = client.post(f"/api/v1/agents/{world.cfo.pk}/goals/", {"name": "keep_runway", "args": [3]},
                           format="json")
    assert response.status_code == 201, response.content
    goal_id = response.json()["id"]

    wait_until(lambda: Goal.objects.get(pk=goal_id).status == "achieved", timeout=30,
               message="the goal achieved by the worker")
    [message] = Message.objects.filter(sender_agent=world.cfo)
    assert message.content == {"runway": 2} and message.performative == "inform"
    assert Belief.objects.get(agent=world.cfo, key="cost_cut").value is True
    [intention] = Intention.objects.filter(agent=world.cfo)
    assert intention.status == "achieved"
    choice = CycleTrace.objects.filter(agent=world.cfo, event__kind="goal_added").get().choice
    assert choice["label"] == "cut_costs" and "cash < Months * monthly_costs held" in choice["why"]


def test_a_failing_plan_is_recovered_on_the_worker(celery_worker_process):
    world = World("cfo", "ceo", beliefs={"cfo": {"cash": 10}})
    client = client_for(_manager(world.org))
    for text in (RECOVERY, FAILED):
        response = client.post("/api/v1/plans/", {"organization": str(world.org.pk), "text": text}, format="json")
        assert response.status_code == 201, response.content
    response = client.post(f"/api/v1/agents/{world.cfo.pk}/goals/", {"name": "pay", "args": [500]}, format="json")
    assert response.status_code == 201, response.content
    wait_until(lambda: Goal.objects.get(pk=response.json()["id"]).status == "failed", timeout=30,
               message="the goal failed and was recovered")
    wait_until(lambda: Intention.objects.filter(agent=world.cfo, status="failed").exists(), timeout=10)
    [message] = Message.objects.filter(sender_agent=world.cfo)
    assert message.performative == "failure" and message.content == {"could_not_pay": 500}
    intention = Intention.objects.get(agent=world.cfo)
    assert intention.error["error"] == "constraint" and intention.error["recovered"] is True
