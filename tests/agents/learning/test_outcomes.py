"""Plan outcomes: one row per finished plan frame, written with the cycle that finished it (issue 16, part 1).

Each scene runs the real claim, batch and bulk writes (``run_cycles``) against PostgreSQL and reads the
outcome log the roll-up and the API read.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from agents.models import IntentionStatus, PlanOutcome
from agents.reasoning.cycle.learned import context_key
from agents.reasoning.intentions.services import intention_drop
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, intentions_of, run_cycles, traces_of

pytestmark = pytest.mark.django_db


def outcomes_of(agent) -> list[tuple[str, bool, str]]:
    return [(o.plan.label, o.success, o.error) for o in PlanOutcome.objects.filter(agent=agent).order_by("id")]


def test_a_plan_that_runs_to_its_end_is_a_success_filed_under_the_agents_situation():
    world = World("bob")
    [plan] = world.plans("@sell +!sell(Amount) <- +sold(Amount).")
    goal = world.goal("bob", "sell", 30)
    run_cycles()
    [outcome] = PlanOutcome.objects.filter(agent=world.bob)
    assert (outcome.plan_id, outcome.version.version, outcome.success, outcome.goal_id) == (plan.pk, 1, True, goal.pk)
    assert (outcome.trigger_kind, outcome.trigger_name, outcome.organization_id, outcome.role_id) == \
        ("goal_added", "sell", world.org.pk, world.bob.role_id)
    assert outcome.context == {"organization": str(world.org.pk), "role": str(world.bob.role_id)}
    assert outcome.context_key == context_key(outcome.context)
    assert outcome.reward is None and outcome.cost is None and outcome.duration_ms >= 0
    assert outcome.rolled_at is None
    [intention] = intentions_of(world.bob)
    assert outcome.intention_id == intention.id


def test_a_failed_plan_and_the_recovery_that_handles_it_are_one_failure_and_one_success():
    world = World("bob")
    world.plans("""
        @risky +!ship <- .fail(carrier_down, "no truck").
        @fallback -!ship <- +shipped_late(true).
    """)
    world.goal("bob", "ship")
    run_cycles()
    assert outcomes_of(world.bob) == [("fallback", True, ""), ("risky", False, "carrier_down")]


def test_a_failure_no_plan_recovers_fails_every_frame_on_the_stack():
    world = World("bob")
    world.plans("""
        @outer +!launch <- !prepare; +launched(true).
        @inner +!prepare <- .fail(no_budget).
    """)
    world.goal("bob", "launch")
    run_cycles()
    assert sorted(outcomes_of(world.bob)) == [("inner", False, "no_budget"), ("outer", False, "no_budget")]
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED


def test_a_caller_a_tail_call_dropped_ends_as_its_callee_does_and_a_loop_counts_once():
    world = World("bob", beliefs={"bob": {"n": 0}})
    world.plans("""
        @hand_over +!start <- +started(true); !count.
        @again +!count : n < 3 <- -+n(n + 1); !count.
        @done +!count : n >= 3 <- +counted(true).
    """)
    world.goal("bob", "start")
    run_cycles()
    # hand_over and again were dropped by tail calls; done's success ends them, again once for its 3 turns.
    assert sorted(outcomes_of(world.bob)) == [("again", True, ""), ("done", True, ""), ("hand_over", True, "")]
    [intention] = intentions_of(world.bob)
    assert len(intention.stack) == 1  # the callers kept under the callee did not grow with the loop


def test_a_dropped_intention_records_nothing():
    world = World("bob")
    world.plans("@slow +!wait_for_it <- .wait(3600); +done(true).")
    world.goal("bob", "wait_for_it")
    run_cycles()
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.WAITING
    intention_drop(intention=intention, by=SYSTEM, reason="not needed")
    run_cycles()
    assert outcomes_of(world.bob) == []


def test_outcomes_of_a_rolled_back_batch_are_not_kept():
    world = World("bob")
    world.plans("@sell +!sell <- +sold(true).")
    world.goal("bob", "sell")
    written: list[int] = []

    def batch_then_die() -> None:
        with transaction.atomic():
            run_cycles()
            written.append(PlanOutcome.objects.filter(agent=world.bob).count())
            raise RuntimeError("the worker died before the commit")

    with pytest.raises(RuntimeError):
        batch_then_die()
    assert written == [1]
    assert PlanOutcome.objects.filter(agent=world.bob).count() == 0
    run_cycles()  # the batch is replayed: the frame ends again, once
    assert PlanOutcome.objects.filter(agent=world.bob).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_the_outcome_log_is_append_only_but_for_the_rollups_mark():
    world = World("bob")
    world.plans("@sell +!sell <- +sold(true).")
    world.goal("bob", "sell")
    run_cycles()
    outcome = PlanOutcome.objects.get(agent=world.bob)
    for change in ({"success": False}, {"reward": 5.0}, {"context_key": "x" * 32}):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            PlanOutcome.objects.filter(pk=outcome.pk).update(**change)
    PlanOutcome.objects.filter(pk=outcome.pk).update(rolled_at="2026-01-01T00:00:00Z")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        PlanOutcome.objects.filter(pk=outcome.pk).update(rolled_at=None)


def test_the_trace_of_a_learning_organization_explains_the_choice(settings):
    settings.LEARNING = {**settings.LEARNING, "DEFAULT_POLICY": "thompson"}
    world = World("bob")
    world.plans("""
        @a +!sell <- +sold("a").
        @b +!sell <- +sold("b").
    """)
    world.goal("bob", "sell")
    run_cycles()
    choice = traces_of(world.bob)[0].choice
    assert choice["policy"] == "thompson" and choice["label"] == "a"
    assert "no experience yet" in choice["why"]
    assert [s["label"] for s in choice["scores"]] == ["a", "b"]
    assert all(s["sample"] is None and s["own"] == [0, 0, 0] for s in choice["scores"])


def test_declared_features_reward_and_cost_are_filed_with_the_outcome():
    world = World("bob", beliefs={"bob": {"segment": "smb", "price": 40}})
    world.plans("""
        @sell[reward(Paid / 100), cost(3), feature(segment, belief('segment', 'none'))]
        +!sell(Paid) <- +sold(Paid).
    """)
    world.goal("bob", "sell", 25)
    run_cycles()
    [outcome] = PlanOutcome.objects.filter(agent=world.bob)
    assert outcome.context == {"organization": str(world.org.pk), "role": str(world.bob.role_id), "segment": "smb"}
    assert (outcome.reward, outcome.cost, outcome.score) == (0.25, 3.0, 0.25)


def test_agents_in_another_segment_are_filed_under_another_key():
    world = World("ann", "bob", beliefs={"ann": {"segment": "smb"}, "bob": {"segment": "enterprise"}})
    world.bob.role = world.ann.role
    world.bob.save(update_fields=["role"])
    world.plans("@sell[feature(segment, belief('segment', 'none'))] +!sell <- +sold(true).")
    world.goal("ann", "sell")
    world.goal("bob", "sell")
    run_cycles()
    keys = {o.agent_id: o.context_key for o in PlanOutcome.objects.all()}
    assert keys[world.ann.pk] != keys[world.bob.pk]


def test_a_reward_that_cannot_be_computed_is_refused_in_the_trace_and_the_success_still_counts():
    world = World("bob")
    world.plans("""
        @sell[reward(Amount * 2)] +!sell <- if (belief('rich', False)) { ?rich(Amount) } else { +poor(true) }.
        @text[reward("much")] +!tell <- +told(true).
    """)
    world.goal("bob", "sell")
    world.goal("bob", "tell")
    run_cycles()
    rewards = {o.plan.label: (o.success, o.reward, o.score) for o in PlanOutcome.objects.filter(agent=world.bob)}
    assert rewards == {"sell": (True, None, 1.0), "text": (True, None, 1.0)}
    refused = [s for t in traces_of(world.bob) for s in t.steps if s.get("kind") == "learning"]
    assert {s["label"] for s in refused} == {"sell", "text"}
    assert any("not a number" in s["detail"] for s in refused)
