"""The supervision check in the test's transaction: signals, restarts with back-off, strategies, escalation."""

from __future__ import annotations

import pytest

from agents.models import (
    AgentStatus,
    AgentSupervision,
    Goal,
    Intention,
    Message,
)
from agents.supervision.services.check import supervision_check
from tests.support.reasoning import World, run_cycles
from tests.support.supervision import back_off_over, failing_team, kinds

pytestmark = pytest.mark.django_db


def test_an_agent_that_keeps_failing_is_restarted_with_growing_backoff_then_escalated_to_its_leader():
    world = failing_team("worker", intensity=2)
    world.goal("worker", "work")
    backoffs = []
    for _ in range(2):
        run_cycles()
        supervision_check()
        world.worker.refresh_from_db()
        assert world.worker.status == AgentStatus.FAILED
        backoffs.append(AgentSupervision.objects.get(agent=world.worker).backoff_seconds)
        back_off_over(world.worker)
        supervision_check()
        world.worker.refresh_from_db()
        assert world.worker.status == AgentStatus.ACTIVE
        assert Goal.objects.filter(agent=world.worker, name="work", status="pending").exists()
    assert backoffs == [1.0, 2.0]
    run_cycles()
    supervision_check()
    world.worker.refresh_from_db()
    assert world.worker.status == AgentStatus.FAILED
    assert kinds(world.worker) == ["intentions_failing", "restart_scheduled", "restarted"] * 2 + [
        "intentions_failing", "escalated"]
    [failure] = Message.objects.filter(performative="failure", deliveries__recipient=world.boss)
    assert failure.content["agent"] == str(world.worker.pk) and failure.sender_agent_id is None
    assert AgentSupervision.objects.get(agent=world.worker).restart_at is None


def test_one_for_all_restarts_every_member_and_rest_for_one_only_the_later_ones():
    world = failing_team("first", "second", "third", strategy="rest_for_one")
    # The second member fails: it and the third are restarted, the first is left alone.
    role = world.second.role
    role.default_goals = [{"name": "work"}]
    role.save()
    world.goal("second", "work")
    run_cycles()
    supervision_check()
    statuses = {slug: type(world.agents[slug]).objects.get(pk=world.agents[slug].pk).status
                for slug in ("boss", "first", "second", "third")}
    assert statuses == {"boss": "active", "first": "active", "second": "failed", "third": "failed"}
    assert Intention.objects.filter(agent=world.third, status="running").count() == 0


def test_an_agent_no_policy_supervises_is_never_looked_at():
    world = failing_team("worker")
    loner = World("loner")
    loner.plans("+!work <- .fail.")
    loner.goal("loner", "work")
    run_cycles()
    supervision_check()
    assert kinds(loner.loner) == [] and not AgentSupervision.objects.filter(agent=loner.loner).exists()
    assert world.worker.status == AgentStatus.ACTIVE


def test_two_checks_of_the_same_failure_restart_once():
    world = failing_team("worker")
    world.goal("worker", "work")
    run_cycles()
    first, second = supervision_check(), supervision_check()
    assert (first.restarts_scheduled, second.restarts_scheduled) == (1, 0)
    assert kinds(world.worker) == ["intentions_failing", "restart_scheduled"]


def test_an_error_on_one_agent_rolls_back_its_turn_and_the_round_goes_on(monkeypatch):
    from agents.supervision.services import check

    first = failing_team("worker")
    second = failing_team("other")
    first.goal("worker", "work")
    second.goal("other", "work")
    run_cycles()
    real = check._decide

    def broken(agent, *args, **kwargs):
        if agent.pk == first.worker.pk:
            raise RuntimeError("a bug on this agent's data")
        return real(agent, *args, **kwargs)

    monkeypatch.setattr(check, "_decide", broken)
    result = supervision_check()
    assert (result.restarts_scheduled, result.skipped) == (1, 1)
    assert kinds(first.worker) == [] and kinds(second.other) == ["intentions_failing", "restart_scheduled"]


def test_an_agent_below_its_failure_threshold_is_not_even_looked_at():
    world = failing_team("worker", failure_threshold=2)
    world.goal("worker", "work")
    run_cycles()
    assert supervision_check().checked == 0  # one failure of two: no lock, no read of its signals
    world.goal("worker", "work")
    run_cycles()
    result = supervision_check()
    assert (result.checked, result.restarts_scheduled) == (1, 1)
