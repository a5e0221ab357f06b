"""Jason conformance: intentions taking turns, atomic plans, and waits (issue 13, part 9).

Jason's ``selectIntention`` takes one intention per reasoning cycle from a queue and puts it back at the
end; MABOS steps every running intention once per cycle, least recently stepped first
(``agents/reasoning/cycle/selection.py``): the same fairness, with more work per cycle. The wait tests
are ``transactional_db``: a timer is due when PostgreSQL's ``now()`` passes it, and inside one test
transaction ``now()`` never moves.
"""

from __future__ import annotations

import pytest

from agents.models import Goal, GoalStatus, IntentionStatus
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.polling import wait_until
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, steps_of, traces_of


@pytest.mark.django_db
def test_two_intentions_take_turns_step_by_step():
    """``Agent.selectIntention`` (``jason-interpreter/src/main/java/jason/asSemantics/Agent.java``,
    ``intentions.poll()``: "make sure no intention will starve") with ``demos/suspend-resume/test.asl``'s
    two loops ``!dots`` and ``!control`` running side by side. Two intentions of five steps each: in every
    cycle in which both run, each takes exactly one step; neither finishes more than a cycle before the
    other."""
    world = World("bob")
    world.plans("""
        @dots +!dots <- +d1; +d2; +d3; +d4; +d5.
        @control +!control <- +c1; +c2; +c3; +c4; +c5.
    """)
    world.goal("bob", "dots")
    world.goal("bob", "control")
    run_cycles()
    dots, control = intentions_of(world.bob)
    assert dots.status == control.status == IntentionStatus.ACHIEVED
    assert dots.steps_total == control.steps_total == 5
    by_cycle: dict[int, list[str]] = {}
    for step in steps_of(world.bob):
        if step["kind"] == "add_belief":
            by_cycle.setdefault(step["cycle"], []).append(step["label"])
    cycles = sorted(by_cycle)
    assert by_cycle[cycles[0]] == ["dots"]
    for cycle in cycles[1:-1]:
        assert sorted(by_cycle[cycle]) == ["control", "dots"], by_cycle
    assert by_cycle[cycles[-1]] == ["control"]
    assert by_cycle[cycles[1]] == ["control", "dots"]  # the new one, never stepped, goes first


@pytest.mark.django_db
def test_an_atomic_plan_runs_to_its_end_before_any_other_intention_steps():
    """``jason-interpreter/src/test/java/test/TSTest.java``, ``testIntentionOrder`` (an atomic intention is
    polled before the others) and ``TransitionSystem.applySelEv``/``applySelInt``: "if there is an atomic
    intention, do not select event" and it is selected alone. Jason's tests run as ``@[atomic,test]``
    plans. While ``@a[atomic]`` runs, the other intention takes no step and no event is taken."""
    world = World("bob")
    world.plans("""
        @plain +!plain <- +p1; +p2; +p3; +p4.
        @a[atomic] +!a <- +a1; +a2; +a3.
    """)
    world.goal("bob", "plain")
    world.goal("bob", "a")
    run_cycles()
    plain, atomic = intentions_of(world.bob)
    assert plain.status == atomic.status == IntentionStatus.ACHIEVED
    traces = traces_of(world.bob)
    labels = [[s["label"] for s in t.steps] for t in traces]
    atomic_cycles = [i for i, steps in enumerate(labels) if "a" in steps]
    assert len(atomic_cycles) == 3
    for i in atomic_cycles:
        assert labels[i] == ["a"], labels
    for i in atomic_cycles[1:]:
        assert traces[i].event is None  # events wait while the atomic intention runs
    assert "plain" in labels[atomic_cycles[0] - 1] and "plain" in labels[atomic_cycles[-1] + 1]


@pytest.mark.django_db
def test_a_wait_for_an_event_resumes_with_its_binding():
    """Jason's ``.wait("+b(X)")`` (``jason-interpreter/src/main/java/jason/stdlib/wait.java``: "suspend the
    intention until the event happens"; the event's unifier binds X), used in
    ``src/test/jason/asl/stdlib/fail_goal.asl``'s ``.wait(10)`` mock plans. The intention waits, costs no
    step, and resumes when the belief arrives, with its value bound."""
    world = World("bob")
    world.plans("+!watch <- +watching; .wait(+price(P), 3600); +seen_price(P * 2).")
    world.goal("bob", "watch")
    run_cycles()
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.WAITING and intention.wait["event"]["name"] == "price"
    steps_before = intention.steps_total
    belief_set(agent=world.bob, key="other", value=1, by=SYSTEM)
    run_cycles()
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.WAITING and intention.steps_total == steps_before
    belief_set(agent=world.bob, key="price", value=21, by=SYSTEM)
    run_cycles()
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.ACHIEVED and beliefs_of(world.bob)["seen_price"] == 42


def run_until(probe, *, message: str):
    def turn():
        run_cycles()
        return probe()
    return wait_until(turn, timeout=20, interval=0.05, message=message)


@pytest.mark.django_db(transaction=True)
def test_a_wait_that_times_out_with_continue_goes_on():
    """``jason.stdlib.wait`` with a timeout (``.wait("+b", 1000)``): when the time is up without the event
    the intention simply continues. MABOS's ``.wait(+b, T, continue)``; its binding stays empty."""
    world = World("bob")
    world.plans("+!poll <- .wait(+reply(R), 0.2, continue); +after_wait(R).")
    world.goal("bob", "poll")
    run_until(lambda: beliefs_of(world.bob).get("after_wait", "missing") is None,
              message="the wait timed out and the plan went on")
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED
    assert [s["detail"] for s in steps_of(world.bob) if s["kind"] == "wait"][-1] == "timed out: continues"


@pytest.mark.django_db(transaction=True)
def test_a_wait_that_times_out_fails_the_goal_and_the_caller_continues():
    """``demos/hard_deadline/bob.asl``: ``!g(4)[hard_deadline(3000)]`` with ``+!g(V) <- .wait(V*1000); ..``
    is not done in time, so g fails (``deadline_reached``), ``-!g(V)[error(ErrorId)] <- .print("failed, ",
    ErrorId, " for g(", V, ")")`` runs, and start continues (``.print(end1)``). MABOS has no hard
    deadlines on goals; a wait with a timeout that fails (``.wait(+done, T)``) gives the same course, with
    ``error: wait_timeout``."""
    world = World("bob")
    world.plans("""
        +!start <- !g(4); +end1.
        +!g(V) <- .wait(+done, 0.2); +g_done(V).
        @g_failed -!g(V) <- +failed_for(V).
    """)
    world.goal("bob", "start")
    run_until(lambda: "end1" in beliefs_of(world.bob), message="g timed out, was recovered, start went on")
    beliefs = beliefs_of(world.bob)
    assert beliefs["failed_for"] == 4 and "g_done" not in beliefs
    assert dict(Goal.objects.filter(agent=world.bob).values_list("name", "status")) == {
        "start": GoalStatus.ACHIEVED, "g": GoalStatus.FAILED}
    [recovering] = [s for s in steps_of(world.bob) if s["result"] == "recovering"]
    assert recovering["detail"] == "wait_timeout: -!g handled by plan `g_failed`"
