"""Jason conformance: subgoals, tail recursion, new foci, ``.succeed``/``.drop``, maintain goals, ``if``
(issue 13, part 9).

Subgoals are expanded in the step that raises them (``agents/reasoning/cycle/interpreter.py``, docstring)
where Jason queues an internal ``+!g`` event: the same plan is chosen one cycle earlier.
"""

from __future__ import annotations

import pytest

from agents.common.limits import INTENTION_MAX_DEPTH
from agents.models import Goal, GoalStatus, Intention, IntentionStatus
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import (
    World,
    beliefs_of,
    intentions_of,
    run_cycles,
    step_cycles,
    steps_of,
    traces_of,
)

pytestmark = pytest.mark.django_db


def run_watching_depth(agent, *, max_batches: int = 3000) -> int:
    """Run to rest one batch at a time; the deepest stack any of ``agent``'s intentions had between batches."""
    deepest = 0
    for _ in range(max_batches):
        if not step_cycles(1):
            return deepest
        for stack in Intention.objects.filter(agent=agent).values_list("stack", flat=True):
            deepest = max(deepest, len(stack))
    raise AssertionError("the agent did not come to rest")


def test_tail_recursion_computes_the_factorial_in_one_frame():
    """``jason-interpreter/src/test/java/test/asunit/TestTRO.java``: ``+!run <- !fat(5,1,F); print(F).``,
    ``+!fat(1,V,V).``, ``+!fat(N,A,X) <- !fat(N-1,N*A,X).`` prints 120 with tail recursion optimisation on.
    MABOS has no output variables: the last call adds the result as a belief. The recursion is a tail call
    (the last step, and no ``-!fat`` plan): the stack never holds more than run's frame and one fat frame."""
    world = World("bob")
    world.plans("""
        +!run <- !fat(5, 1); +printed(true).
        @fat_base +!fat(N, A) : N == 1 <- +result(A).
        @fat_step +!fat(N, A) : N > 1 <- !fat(N - 1, N * A).
    """)
    world.goal("bob", "run")
    assert run_watching_depth(world.bob) == 2
    assert beliefs_of(world.bob)["result"] == 120
    tails = [s for s in steps_of(world.bob) if s["detail"].endswith("as a tail call")]
    assert len(tails) == 4
    assert set(Goal.objects.filter(agent=world.bob).values_list("status", flat=True)) == {GoalStatus.ACHIEVED}


def test_a_counting_loop_of_200_stays_at_one_frame():
    """TestTRO's pattern at length (and ``demos/sync-environment/count.asl``'s counter):
    ``+!count(N) : N > 0 <- +n(N); !count(N - 1).`` for N = 200. Without tail calls the stack would grow to
    200 frames and past the depth limit; with them it stays at one, and all 201 goals end achieved."""
    world = World("bob")
    world.plans("""
        @count_down +!count(N) : N > 0 <- -+n(N); !count(N - 1).
        @count_done +!count(N) : N == 0 <- +done(true).
    """)
    world.goal("bob", "count", 200)
    assert run_watching_depth(world.bob) == 1
    assert beliefs_of(world.bob)["n"] == 1 and beliefs_of(world.bob)["done"] is True
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED and len(intention.stack) == 1
    goals = list(Goal.objects.filter(agent=world.bob).values_list("status", flat=True))
    assert len(goals) == 201 and set(goals) == {GoalStatus.ACHIEVED}


def test_recursion_that_is_no_tail_call_and_has_no_base_case_fails_with_max_depth():
    """The other side of TestTRO: ``+!down(N) <- !down(N + 1); +never.`` is no tail call (a step follows),
    so every level keeps its frame; Jason warns "we are likely in a problem" past 3000 intended means
    (``TransitionSystem.applyRelApplPlRule2``) and runs out of memory. MABOS fails the intention with
    ``max_depth`` at ``INTENTION_MAX_DEPTH`` frames, and fails every goal on the stack."""
    world = World("bob")
    world.plans("@down +!down(N) <- !down(N + 1); +never(true).")
    world.goal("bob", "down", 0)
    run_cycles(max_batches=INTENTION_MAX_DEPTH + 20)
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "max_depth"
    assert "never" not in beliefs_of(world.bob)
    statuses = set(Goal.objects.filter(agent=world.bob).values_list("status", flat=True))
    assert statuses == {GoalStatus.FAILED}


def test_a_tail_call_keeps_a_failure_plan_of_its_caller_reachable():
    """TRO's condition in ``TransitionSystem.applyAddIM``: "failure plans should not be subject of TRO (see
    BugFail)". MABOS does not drop a caller frame whose goal has a ``-!`` plan: when the callee fails, the
    caller's recovery plan still runs."""
    world = World("bob")
    world.plans("""
        +!outer <- !inner.
        +!inner <- .fail(inner_failed, "x").
        -!outer <- +outer_recovered.
    """)
    world.goal("bob", "outer")
    run_cycles()
    assert beliefs_of(world.bob)["outer_recovered"] is True
    assert not [s for s in steps_of(world.bob) if s["detail"].endswith("as a tail call")]


def test_new_focus_runs_concurrently_with_its_parent():
    """``demos/concurrent-goals/sample_agent.asl`` (and ``demos/sync-environment/count.asl``'s ``!!c(X+1)``):
    ``!!g`` starts a new intention instead of a subgoal; the plan that posted it goes on without waiting,
    and both intentions take steps in the same cycles."""
    world = World("bob")
    world.plans("""
        @parent +!start <- !!g("a"); +p1; +p2; +p3.
        @child +!g(L) <- +c1(L); +c2(L); +c3(L).
    """)
    start = world.goal("bob", "start")
    run_cycles()
    parent, child = intentions_of(world.bob)
    assert parent.stack[0]["label"] == "parent" and child.stack[0]["label"] == "child"
    assert parent.status == child.status == IntentionStatus.ACHIEVED
    g = Goal.objects.get(agent=world.bob, name="g")
    assert g.args == ["a"] and g.status == GoalStatus.ACHIEVED and g.parent_id is None
    assert child.goal_id == g.pk and parent.goal_id == start.pk
    by_cycle: dict[int, set[str]] = {}
    for step in steps_of(world.bob):
        by_cycle.setdefault(step["cycle"], set()).add(step["intention"])
    assert {str(parent.id), str(child.id)} in by_cycle.values()


def test_succeed_ends_the_plan_achieved_and_the_caller_continues():
    """``jason-interpreter/src/test/java/test/asunit/BugSucceedGoal.java``: ``+!g <- !go; print(end).``,
    ``+!go <- !go2; print(a3).``, ``+!go2 <- .succeed_goal(go2); print(a4).`` prints a3 and end, never a4.
    MABOS's ``.succeed`` ends the current plan as achieved."""
    world = World("bob")
    world.plans("""
        +!g <- !go; +end.
        +!go <- !go2; +a3.
        +!go2 <- .succeed; +a4.
    """)
    world.goal("bob", "g")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert beliefs.get("a3") is True and beliefs.get("end") is True and "a4" not in beliefs
    assert set(Goal.objects.filter(agent=world.bob).values_list("status", flat=True)) == {GoalStatus.ACHIEVED}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED


def test_drop_ends_only_its_own_intention():
    """``src/test/jason/asl/stdlib/drop_intention.asl``: ``!!go(1,3); !!go(2,3); !!to_be_dropped;`` where
    ``+!to_be_dropped <- .drop_intention``: that intention disappears, the others stay. MABOS's ``.drop``
    drops the intention running it (``dropped``, its goal ``dropped``); the ``go`` intentions finish."""
    world = World("bob")
    world.plans("""
        +!test_launch_drop_intention <- !!go(1); !!go(2); !!to_be_dropped.
        +!go(X) <- +went(X).
        +!to_be_dropped <- .drop; +not_reached.
    """)
    world.goal("bob", "test_launch_drop_intention")
    run_cycles()
    by_trigger = {i.trigger_name + str(i.stack[0]["goal_args"]): i.status for i in intentions_of(world.bob)}
    assert by_trigger == {"test_launch_drop_intention[]": IntentionStatus.ACHIEVED, "go[1]": IntentionStatus.ACHIEVED,
                          "go[2]": IntentionStatus.ACHIEVED, "to_be_dropped[]": IntentionStatus.DROPPED}
    assert Goal.objects.get(agent=world.bob, name="to_be_dropped").status == GoalStatus.DROPPED
    assert "not_reached" not in beliefs_of(world.bob)


def test_if_then_else_takes_the_branch_its_condition_says():
    """``jason-interpreter/src/test/jason/asl/stdlib/if_then_else.asl``, ``test_if`` and
    ``test_if_equals_and_unify``: ``+vl(11); if (vl(X) & X > 10) {pass} else {fail}``, and ``R == success``
    against ``R == something_else``. The branches read a belief the plan just added and a binding."""
    world = World("bob")
    world.plans("""
        +!test_if(R) <- +vl(11);
            if (vl > 10) { +first("then") } else { +first("else") };
            if (R == "success") { +second("then") } else { +second("else") };
            if (R == "something_else") { +third("then") } elif (vl == 11) { +third("elif") } else { +third("else") };
            +after_ifs.
    """)
    world.goal("bob", "test_if", "success")
    run_cycles()
    beliefs = beliefs_of(world.bob)
    assert (beliefs["first"], beliefs["second"], beliefs["third"]) == ("then", "then", "elif")
    assert beliefs["after_ifs"] is True
    branches = [s["detail"] for s in steps_of(world.bob) if s["kind"] == "if"]
    assert branches == ["if vl > 10: then", 'if R == "success": then', 'if R == "something_else": else',
                        "if vl == 11: then"]


def test_a_maintain_goal_is_re_adopted_when_its_condition_breaks():
    """Jason has no maintain goals of its own; the pattern is the manual's (*Programming Multi-Agent Systems
    in AgentSpeak using Jason*, ch. 8, "maintenance goal": a belief change that breaks the condition
    re-posts the goal). Here ``kind="maintain"``, ``condition="cash > 10"``: adopted while it holds it is
    achieved without a plan; when cash drops to 5 it is re-adopted and its plan restores it; a change that
    keeps it holding does nothing."""
    world = World("cfo", beliefs={"cfo": {"cash": 50}})
    world.plans("@top_up +!keep_cash <- -+cash(cash + 100).")
    goal = world.goal("cfo", "keep_cash", kind="maintain", condition="cash > 10")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED and intentions_of(world.cfo) == []
    belief_set(agent=world.cfo, key="cash", value=30, by=SYSTEM)
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED and intentions_of(world.cfo) == []
    belief_set(agent=world.cfo, key="cash", value=5, by=SYSTEM)
    run_cycles()
    assert beliefs_of(world.cfo)["cash"] == 105
    [intention] = intentions_of(world.cfo)
    assert intention.status == IntentionStatus.ACHIEVED and intention.goal_id == goal.pk
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    readopted = [t for t in traces_of(world.cfo) if t.event and t.event["kind"] == "goal_added"]
    assert len(readopted) == 2 and readopted[1].choice["label"] == "top_up"


def test_a_stack_too_large_to_store_fails_the_intention_not_the_batch():
    """The limit behind TestTRO's warning (``TransitionSystem.applyRelApplPlRule2``: "we are likely in a
    problem" when a stack grows past 3000 intended means): a runaway plan must fail, not take the agents it
    shares a batch with down. Frames that each bind a 30 000-character text pass the stack's stored size
    (``INTENTION_STACK_MAX_CHARS``) long before ``INTENTION_MAX_DEPTH``: the intention fails with
    ``stack_too_large`` (errors.py's code) and another agent's plan in the same batches runs to its end."""
    pad = "x" * 30_000
    world = World("bob", "alice")
    world.plans("""
        @deep +!deep(P) <- !deep(P); +never(true).
        @steady +!steady <- +s1; +s2; +s3.
    """)
    world.goal("bob", "deep", pad)
    world.goal("alice", "steady")
    run_cycles(max_batches=INTENTION_MAX_DEPTH + 20)
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "stack_too_large"
    assert set(Goal.objects.filter(agent=world.bob).values_list("status", flat=True)) == {GoalStatus.FAILED}
    [steady] = intentions_of(world.alice)
    assert steady.status == IntentionStatus.ACHIEVED and {"s1", "s2", "s3"} <= set(beliefs_of(world.alice))
