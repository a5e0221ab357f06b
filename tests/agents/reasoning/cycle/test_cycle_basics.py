"""The cycle end to end at the service level: a goal adopted, a plan chosen, its steps run and written."""

from __future__ import annotations

import pytest

from agents.models import Belief, Goal, GoalStatus, IntentionStatus
from tests.support.reasoning import World, intentions_of, run_cycles, sent_by, traces_of

pytestmark = pytest.mark.django_db


def test_a_goal_runs_its_plan_to_the_end():
    world = World("cfo", "ceo", beliefs={"cfo": {"cash": 50, "monthly_costs": 30}})
    world.plans("""
        @cut_costs +!keep_runway(Months) : cash < 3 * monthly_costs
            <- +cost_cut; .send(ceo, inform, {"runway": Months}).
        @fine +!keep_runway(Months) <- .send(ceo, inform, "fine").
    """)
    goal = world.goal("cfo", "keep_runway", 2)
    assert run_cycles() >= 2
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.ACHIEVED
    assert intention.stack[0]["label"] == "cut_costs"
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    [message] = sent_by(world.cfo)
    assert message.performative == "inform" and message.content == {"runway": 2}
    assert list(message.deliveries.values_list("recipient_id", flat=True)) == [world.ceo.pk]
    assert Belief.objects.get(agent=world.cfo, key="cost_cut").value is True
    first = traces_of(world.cfo)[0]
    assert first.event["kind"] == "goal_added"
    assert [o["label"] for o in first.options] == ["cut_costs", "fine"]
    assert first.options[0]["held"] is True and first.choice["label"] == "cut_costs"


def test_no_applicable_plan_fails_the_goal():
    world = World("cfo", beliefs={"cfo": {"cash": 500, "monthly_costs": 30}})
    world.plans("@cut +!keep_runway : cash < 3 * monthly_costs <- +cost_cut.")
    goal = world.goal("cfo", "keep_runway")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.FAILED
    assert intentions_of(world.cfo) == []
    trace = traces_of(world.cfo)[0]
    assert trace.options[0]["held"] is False
    assert "no_applicable" in trace.choice["why"]


def test_failure_is_recovered_by_a_goal_failed_plan():
    world = World("cfo", "ceo", beliefs={"cfo": {"cash": 1}})
    world.plans("""
        @try +!pay <- cash > 10; .send(ceo, inform, "paid").
        @recover -!pay <- .send(ceo, failure, "could not pay").
    """)
    goal = world.goal("cfo", "pay")
    run_cycles()
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "constraint" and intention.error["recovered"] is True
    assert [m.performative for m in sent_by(world.cfo)] == ["failure"]
    goal.refresh_from_db()
    assert goal.status == GoalStatus.FAILED


def test_subgoals_make_a_goal_tree_and_the_parent_continues():
    world = World("cfo")
    world.plans("""
        +!top <- !middle(3); +after_middle.
        +!middle(N) <- +got(N).
    """)
    top = world.goal("cfo", "top")
    run_cycles()
    beliefs = dict(Belief.objects.filter(agent=world.cfo).values_list("key", "value"))
    assert beliefs["got"] == 3 and beliefs["after_middle"] is True
    sub = Goal.objects.get(agent=world.cfo, name="middle")
    assert sub.parent_id == top.pk and sub.args == [3] and sub.status == GoalStatus.ACHIEVED


def test_a_goal_no_plan_is_relevant_to_waits_and_a_new_plan_takes_it_up(django_capture_on_commit_callbacks):
    world = World("cfo")
    goal = world.goal("cfo", "hire")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PENDING
    assert "waits" in traces_of(world.cfo)[0].choice["why"]
    with django_capture_on_commit_callbacks(execute=True):
        world.plans("+!hire <- +hired.")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert Belief.objects.get(agent=world.cfo, key="hired").value is True
    with django_capture_on_commit_callbacks(execute=True):
        world.plans("@other +!hire <- +hired_again.")  # nothing pending any more: nothing posted
    assert run_cycles() == 0


def test_the_trace_of_a_real_cycle_reads_in_words():
    """The rows the cycle writes are the shapes trace/words.py reads: "why did the CFO do that?"."""
    from agents.reasoning.trace.words import trace_words

    world = World("cfo", "ceo", beliefs={"cfo": {"cash": 50, "monthly_costs": 30}})
    world.plans("""
        @raise_prices +!keep_runway : cash > 1000 <- +prices_raised.
        @cut_costs +!keep_runway : cash < 3 * monthly_costs <- .send(ceo, inform, "cutting").
    """)
    world.goal("cfo", "keep_runway")
    run_cycles()
    words = " ".join(trace_words(traces_of(world.cfo)[0]))
    assert "chose plan `cut_costs`" in words and "cash < 3 * monthly_costs" in words, words
    assert "skipped `raise_prices`" in words and "context false" in words, words
    assert "send" in words, words
