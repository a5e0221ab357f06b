"""Jason conformance: plan failure, ``-!g`` recovery and the Jason 2.5 cascade (issue 13, part 9).

Jason posts the failure as an internal ``-!g`` event of the intention; MABOS handles it in the step that
fails (``agents/reasoning/cycle/interpreter.py``, docstring), so the same recovery plan runs one cycle
earlier and no event row is written for it. The outcomes asserted here are Jason's: which recovery plan
runs, what is skipped, where the intention continues.
"""

from __future__ import annotations

import pytest

from agents.models import Goal, GoalStatus, IntentionStatus
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, steps_of

pytestmark = pytest.mark.django_db


def goal_statuses(agent) -> dict[str, str]:
    return dict(Goal.objects.filter(agent=agent).values_list("name", "status"))


def test_failure_goes_to_the_nearest_goal_with_a_failure_plan_and_its_caller_continues():
    """``demos/failure/a.asl``: ``+!test <- !g1(X); .print("End")``, g1 … g4 each call the next between two
    prints, ``+!g5(_) <- .fail.``, and the only recovery plan is ``-!g3(failure)[error(..)] <- .print(..)``.
    Jason looks down the stack from g5 for a goal with a ``-!`` plan, finds g3, drops g3, g4 and g5
    (``endg4``, ``endg3`` are never printed), runs ``-!g3`` and then g2 continues after ``!g3`` (``endg2``,
    ``endg1``, ``End`` are printed)."""
    world = World("bob")
    world.plans("""
        +!test <- !g1; +ended(true).
        +!g1 <- +ini_g1; !g2; +end_g1.
        +!g2 <- +ini_g2; !g3; +end_g2.
        +!g3 <- +ini_g3; !g4; +end_g3.
        +!g4 <- +ini_g4; !g5; +end_g4.
        +!g5 <- .fail.
        @recover_g3 -!g3 <- +recovered_g3.
    """)
    test = world.goal("bob", "test")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert {"ini_g1", "ini_g2", "ini_g3", "ini_g4", "recovered_g3", "end_g2", "end_g1", "ended"} <= set(beliefs)
    assert "end_g3" not in beliefs and "end_g4" not in beliefs
    assert goal_statuses(world.bob) == {"test": "achieved", "g1": "achieved", "g2": "achieved",
                                        "g3": "failed", "g4": "failed", "g5": "failed"}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED and intention.error is None
    test.refresh_from_db()
    assert test.status == GoalStatus.ACHIEVED
    [recovering] = [s for s in steps_of(world.bob) if s["result"] == "recovering"]
    assert recovering["label"] == "g3" and "-!g3 handled by plan `recover_g3`" in recovering["detail"]
    assert recovering["detail"].startswith("failed:")


def test_a_recovered_subgoal_counts_as_done_for_the_plan_that_called_it():
    """``TransitionSystem.applyClrInt`` (``jason-interpreter/src/main/java/jason/asSemantics/
    TransitionSystem.java``), the comment on a finished failure-handling plan: with the stack
    ``-!b, +!c, +!d, +!b, +!s: !b; !z`` it "should became ``+!s: !z``": everything up to the failed goal
    goes, and the plan that called ``!b`` continues with its next step. The recovery plan sees the failed
    goal's arguments (``-!b(N)`` binds N)."""
    world = World("bob")
    world.plans("""
        +!s <- !b(7); +z.
        +!b(N) <- !d; +after_b.
        +!d <- !c; +after_d.
        +!c <- .fail.
        -!b(N) <- +b_recovered(N).
    """)
    world.goal("bob", "s")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert beliefs["b_recovered"] == 7 and beliefs["z"] is True
    assert "after_b" not in beliefs and "after_d" not in beliefs
    assert goal_statuses(world.bob) == {"s": "achieved", "b": "failed", "d": "failed", "c": "failed"}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED


def test_a_failure_inside_a_recovery_plan_cascades_to_the_next_goal_down():
    """Jason 2.5's cascade, ``Intention.findEventForFailure`` (``jason-interpreter/src/main/java/jason/
    asSemantics/Intention.java``, "case of failure in a fail plan"): when a ``-!g`` plan itself fails, the
    search for a recovery plan starts *below* g, never at g again (no loop of ``-!g`` recovering ``-!g``).
    ``+!top <- !mid; +after_mid.``, ``+!mid <- !leaf; ..``, ``+!leaf <- .fail.``, ``-!leaf`` fails too:
    ``-!mid`` handles it, and top continues."""
    world = World("bob")
    world.plans("""
        +!top <- !mid; +after_mid.
        +!mid <- !leaf; +after_leaf.
        +!leaf <- .fail(leaf_broke, "first failure").
        @leaf_recovery -!leaf <- +tried_leaf_recovery; .fail(recovery_broke, "second failure").
        @mid_recovery -!mid <- +mid_recovered.
    """)
    world.goal("bob", "top")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert beliefs.keys() >= {"tried_leaf_recovery", "mid_recovered", "after_mid"}
    assert "after_leaf" not in beliefs
    assert goal_statuses(world.bob) == {"top": "achieved", "mid": "failed", "leaf": "failed"}
    recoveries = [s["detail"] for s in steps_of(world.bob) if s["result"] == "recovering"]
    assert recoveries == ["leaf_broke: -!leaf handled by plan `leaf_recovery`",
                          "recovery_broke: -!mid handled by plan `mid_recovery`"]
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED


def test_a_failing_recovery_with_nothing_below_fails_the_intention_once():
    """The same cascade at the bottom of the stack (``Intention.findEventForFailure``): the recovery plan of
    the intention's own goal fails and no goal below has one, so the intention fails: the ``-!g`` plan is not
    tried a second time. Its error is the recovery plan's failure."""
    world = World("bob")
    world.plans("""
        +!g <- .fail(first, "the plan").
        @again -!g <- +recovery_runs(1); .fail(second, "the recovery").
    """)
    goal = world.goal("bob", "g")
    run_cycles()
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error == {"error": "second", "message": "the recovery", "plan": "again", "step": "body[1]"}
    assert len([s for s in steps_of(world.bob) if s["result"] == "recovering"]) == 1
    goal.refresh_from_db()
    assert goal.status == GoalStatus.FAILED


def test_fail_annotations_are_on_the_intention_error():
    """``jason-interpreter/src/test/jason/asl/test_failure_event.asl``, ``test_generic_fail_event``:
    ``.fail`` raises ``-!F[error(ErrorId), error_msg(Msg), code(..), code_src(..), code_line(..)]`` and the
    recovery plan asserts ``ErrorId == ia_failed``. MABOS's ``.fail(code, "msg")`` names the error itself;
    the annotations (error, message, plan, step) are the intention's ``error`` (a recovered root goal adds
    ``recovered``) and the trace's step detail."""
    world = World("bob")
    world.plans("""
        @fails +!test_generic_fail_event(Limit) <- +started; .fail(over_budget, "spent more than 100").
        @handler -!test_generic_fail_event(Limit) <- +handled(Limit).
    """)
    world.goal("bob", "test_generic_fail_event", 100)
    run_cycles()
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error == {"error": "over_budget", "message": "spent more than 100", "plan": "fails",
                               "step": "body[1]", "recovered": True}
    assert beliefs_of(world.bob)["handled"] == 100
    failed = [s for s in steps_of(world.bob) if s["kind"] == "fail"]
    assert failed[0]["result"] == "failed" and failed[0]["detail"] == "over_budget: spent more than 100"


def test_an_unrecovered_failure_fails_the_intention_and_all_its_goals():
    """``TransitionSystem.generateGoalDeletion``: with no relevant ``-!`` plan anywhere in the stack, "No
    failure event was generated" and the intention is dropped; every goal in it finishes as failed (the goal
    listeners get ``goalFinished(.., failed)`` for each). Here: the intention is failed with the error of the
    failing step, and the root goal and its subgoal are failed."""
    world = World("bob")
    world.plans("""
        +!root <- !sub; +after.
        @sub +!sub <- +in_sub; .fail(broken, "no way").
    """)
    root = world.goal("bob", "root")
    run_cycles()
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error == {"error": "broken", "message": "no way", "plan": "sub", "step": "body[1]"}
    assert goal_statuses(world.bob) == {"root": "failed", "sub": "failed"}
    root.refresh_from_db()
    assert root.status == GoalStatus.FAILED and "after" not in beliefs_of(world.bob)


def test_a_constraint_that_does_not_hold_fails_the_plan():
    """``test_failure_event.asl``, ``test_constraint_failed``: a body formula that does not hold
    (``Y10 = value(..)[source(..)]`` failing to unify) raises ``-!g[error(constraint_failed)]``. Here a
    ``constraint`` step (``cash > 10`` with cash 1) fails with ``error: constraint``, and the ``-!`` plan
    runs."""
    world = World("bob", beliefs={"bob": {"cash": 1}})
    world.plans("""
        @pay +!test_constraint_failed <- +checking; cash > 10; +paid.
        -!test_constraint_failed <- +constraint_handled.
    """)
    world.goal("bob", "test_constraint_failed")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert beliefs.get("constraint_handled") is True and "paid" not in beliefs
    [intention] = intentions_of(world.bob)
    assert intention.error["error"] == "constraint" and intention.error["step"] == "body[1]"
    assert "cash > 10 does not hold" in intention.error["message"]


def test_no_applicable_plan_with_a_failure_plan_runs_the_recovery():
    """``TransitionSystem.applyRelApplPlRule2`` → ``generateGoalDeletionFromEvent``: a goal with a relevant
    but no applicable plan raises ``-!g[error(no_applicable)]``, and when a ``-!g`` plan exists it runs.
    The root goal has no other plan, so after its recovery it stays failed (MABOS: the intention is kept,
    ``failed`` with ``recovered``, since a plan ran for it)."""
    world = World("bob", beliefs={"bob": {"cash": 0}})
    world.plans("""
        @buy +!buy : cash > 0 <- +bought.
        @no_money -!buy <- +asked_for_money.
    """)
    goal = world.goal("bob", "buy")
    run_cycles()
    assert beliefs_of(world.bob) == {"cash": 0, "asked_for_money": True}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "no_applicable" and intention.error["recovered"] is True
    goal.refresh_from_db()
    assert goal.status == GoalStatus.FAILED


def test_a_subgoal_with_no_applicable_plan_is_recovered_and_the_parent_continues():
    """The same rule for a subgoal (``TransitionSystem.applyRelApplPlRule2`` with the event's intention):
    ``!fetch`` has no applicable plan, ``-!fetch`` runs, and the plan that called ``!fetch`` goes on."""
    world = World("bob", beliefs={"bob": {"stock": 0}})
    world.plans("""
        +!serve <- !fetch; +served.
        +!fetch : stock > 0 <- +fetched.
        -!fetch <- +fetch_failed_over.
    """)
    world.goal("bob", "serve")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert beliefs["fetch_failed_over"] is True and beliefs["served"] is True and "fetched" not in beliefs
    assert goal_statuses(world.bob) == {"serve": "achieved", "fetch": "failed"}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED
