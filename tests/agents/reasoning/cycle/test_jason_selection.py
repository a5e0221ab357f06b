"""Jason conformance: relevant plans, applicable plans and the choice between them (issue 13, part 9).

Each test ports one scenario of Jason's own tests or demos (``jason-lang/jason``), named in its docstring, to
MABOS's text form, and runs it through the real claim, batch and bulk writes against PostgreSQL
(``run_cycles``). Jason's ``.print`` becomes a belief or a message; its literals with arguments become
belief keys with a JSON value.
"""

from __future__ import annotations

import pytest

from agents.models import Goal, GoalStatus, IntentionStatus
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, traces_of

pytestmark = pytest.mark.django_db


def test_relevant_but_not_applicable_plan_is_skipped():
    """``jason-interpreter/src/test/java/test/TSTest.java``, ``testRelevant``: plans ``@t1 +a(X) : g(10)``,
    ``@t2 +a(X) : true`` and ``@t3 +b``; for the event ``+a(20)`` Jason finds two relevant plans (t1, t2;
    t3's trigger does not match) and one applicable (t2, since ``g(10)`` is not believed).

    Here the trace lists exactly the relevant plans, t1 with its context not held and t2 held, and t2 runs."""
    world = World("bob", beliefs={"bob": {"g": 20}})
    world.plans("""
        @t1 +a(X) : g == 10 <- +ok(10).
        @t2 +a(X) <- +ok(20).
        @t3 +b <- +ok(30).
    """)
    belief_set(agent=world.bob, key="a", value=20, by=SYSTEM)
    run_cycles()
    first = traces_of(world.bob)[0]
    assert first.event["kind"] == "belief_added" and first.event["name"] == "a"
    assert [(o["label"], o["held"]) for o in first.options] == [("t1", False), ("t2", True)]
    assert first.choice["label"] == "t2"
    assert beliefs_of(world.bob)["ok"] == 20
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED and intention.stack[0]["label"] == "t2"


def test_the_first_applicable_plan_in_source_order_is_chosen():
    """Jason's default option selection, ``Agent.selectOption`` in
    ``jason-interpreter/src/main/java/jason/asSemantics/Agent.java`` (``options.remove(0)``: the first
    applicable plan in the order the plans were written). Three applicable plans for ``+!greet``; the one
    written first runs, the other two are recorded as applicable but not chosen."""
    world = World("bob")
    world.plans("""
        @first +!greet <- +said("first").
        @second +!greet <- +said("second").
        @third +!greet <- +said("third").
    """)
    world.goal("bob", "greet")
    run_cycles()
    first = traces_of(world.bob)[0]
    assert [(o["label"], o["held"]) for o in first.options] == [("first", True), ("second", True), ("third", True)]
    assert first.choice["label"] == "first"
    assert "2 other applicable plan(s) come later" in first.choice["why"]
    assert beliefs_of(world.bob)["said"] == "first"


def test_an_order_annotation_moves_a_plan_ahead_of_those_written_before_it():
    """Source order is the order of plans in a Jason ``.asl`` file (``Agent.selectOption`` as above); a plan
    added later with ``.add_plan(P, self, begin)`` goes before the others (``src/test/jason/asl/stdlib/
    fail_goal.asl``, ``test_launch_fail_goal``: "will be put on 'begin'"). MABOS writes that place as
    ``@label[order(n)]``: the plan written last, with the lowest order, is chosen."""
    world = World("bob")
    world.plans("""
        @usual[order(20)] +!greet <- +said("usual").
        @late[order(30)] +!greet <- +said("late").
    """)
    world.plans('@begin[order(5)] +!greet <- +said("begin").')
    world.goal("bob", "greet")
    run_cycles()
    first = traces_of(world.bob)[0]
    assert [o["label"] for o in first.options] == ["begin", "usual", "late"]
    assert first.choice["label"] == "begin"
    assert beliefs_of(world.bob)["said"] == "begin"


def test_the_context_sees_the_trigger_bindings_and_beliefs():
    """``demos/communication/bob.asl``, ``+!start : receiver(A) <- .send(A, ...)``: a context reads a belief
    and the plan uses it. And ``TSTest.testRelevant`` again: the same plans, the event's argument decides.
    Here ``+!pay(Amount) : Amount <= cash`` is applicable for 5 but not for 50, where the fallback runs."""
    world = World("bob", beliefs={"bob": {"cash": 10}})
    world.plans("""
        @pay +!pay(Amount) : Amount <= cash <- -+cash(cash - Amount).
        @refuse +!pay(Amount) <- +refused(Amount).
    """)
    small = world.goal("bob", "pay", 5)
    big = world.goal("bob", "pay", 50)
    run_cycles()
    assert beliefs_of(world.bob)["cash"] == 5 and beliefs_of(world.bob)["refused"] == 50
    choices = {t.event["id"]: t.choice["label"] for t in traces_of(world.bob) if t.choice and "label" in t.choice}
    assert sorted(choices.values()) == ["pay", "refuse"]
    for goal in (small, big):
        goal.refresh_from_db()
        assert goal.status == GoalStatus.ACHIEVED


def test_an_adopted_goal_no_plan_is_relevant_to_waits_for_one():
    """``TransitionSystem.applyRelApplPlRule2`` (``jason-interpreter/src/main/java/jason/asSemantics/
    TransitionSystem.java``): an external goal event with no relevant plan is discarded (with a warning), or
    raises ``-!g`` with ``error(no_relevant)`` when it is internal.

    MABOS keeps an adopted goal no plan is relevant to ``pending`` (the trace says it waits for a plan; its
    options are empty), and a plan added for it later posts it again (test_cycle_basics). No intention is kept,
    since nothing ran. A subgoal with no relevant plan fails with ``no_applicable`` (test_jason_failure)."""
    world = World("bob")
    world.plans("+!other <- +x.")
    goal = world.goal("bob", "nobody_handles_this")
    run_cycles()
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PENDING
    assert intentions_of(world.bob) == []
    [trace] = traces_of(world.bob)
    assert trace.options == [] and "waits" in trace.choice["why"]


def test_an_external_event_no_plan_is_relevant_to_is_discarded():
    """``TransitionSystem.applyRelApplPlRule2``, last branch: "current event is external and irrelevant,
    discard that event and select another one". A belief change no plan listens to is consumed, nothing
    runs, and the agent comes to rest."""
    world = World("bob")
    world.plans("+watched <- +seen.")
    belief_set(agent=world.bob, key="ignored", value=1, by=SYSTEM)
    run_cycles()
    [trace] = traces_of(world.bob)
    assert trace.event["name"] == "ignored" and trace.options == [] and trace.choice is None
    assert intentions_of(world.bob) == [] and "seen" not in beliefs_of(world.bob)
    assert not Goal.objects.filter(agent=world.bob).exists()
