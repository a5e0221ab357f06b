"""Jason conformance: test goals, belief events and messages (issue 13, part 9).

Beliefs are keys with a JSON value (``+b(1)`` is belief b with value 1), so Jason's ``-+b(X)`` (remove
every ``b(_)``, add ``b(X)``) is a change of b's value, and a message's content is a JSON value bound with
its sender and conversation by the ``^message:`` trigger.
"""

from __future__ import annotations

import pytest

from agents.messaging.services.send import message_send
from agents.models import AgentEvent, Belief, IntentionStatus
from agents.reasoning.services.beliefs import belief_delete, belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import (
    World,
    beliefs_of,
    intentions_of,
    run_cycles,
    run_with_mail,
    sent_by,
    steps_of,
    traces_of,
)

pytestmark = pytest.mark.django_db


def test_a_test_goal_found_binds_the_belief_value():
    """``src/test/jason/asl/test_sample_agent.asl``, ``test_sum``: ``?sum(1.3,2.6,R)`` binds R from what the
    agent believes, and the plan uses it. ``TransitionSystem.applyExecInt``, case ``test``: "if
    ag.believes(f, u)" the step succeeds with the unifier."""
    world = World("bob", beliefs={"bob": {"sum": 3.9}})
    world.plans("+!test_sum <- ?sum(R); +checked(R * 10).")
    world.goal("bob", "test_sum")
    run_cycles()
    assert beliefs_of(world.bob)["checked"] == 39.0
    [found] = [s for s in steps_of(world.bob) if s["kind"] == "test"]
    assert found["detail"] == "?sum: found"


def test_an_absent_belief_with_a_test_goal_plan_runs_it_and_binds_what_it_added():
    """``demos/communication/maria.asl``: "When Bob asked me about t2(X), I do not have it in my belief base.
    So the event ``+?t2(X)`` is created and handled by the plan below": ``+?t2(X) : vl(Y) <- X = 10 + Y.``
    (``TransitionSystem.applyExecInt``: a failed query with a candidate ``+?`` plan posts that event). MABOS's
    ``+?t2`` plan adds the belief; the test step then binds it."""
    world = World("maria", beliefs={"maria": {"vl": 10}})
    world.plans("""
        +!answer <- ?t2(X); +answered(X).
        @compute_t2 +?t2 : has("vl") <- +t2(10 + vl).
    """)
    world.goal("maria", "answer")
    run_cycles()
    assert beliefs_of(world.maria)["answered"] == 20
    [asked] = [s for s in steps_of(world.maria) if s["kind"] == "test"]
    assert asked["detail"] == "?t2: absent, chose plan `compute_t2` for +?t2"
    [intention] = intentions_of(world.maria)
    assert intention.status == IntentionStatus.ACHIEVED


def test_a_test_goal_plan_that_ends_in_a_subgoal_still_binds_the_test():
    """The same ``+?t2`` event (``demos/communication/maria.asl``), with the plan that answers it delegating
    to a subgoal as its last step. Jason's tail recursion optimisation applies only between two goal
    additions of the same goal (``TransitionSystem.applyAddIM``: "are both goal", same predicate
    indicator), never to a ``+?`` plan, so the test step still gets its answer when the subgoal ends."""
    world = World("maria")
    world.plans("""
        +!answer <- ?t2(X); +answered(X).
        +?t2 <- !compute_t2.
        +!compute_t2 <- +t2(20).
    """)
    world.goal("maria", "answer")
    run_cycles()
    assert beliefs_of(world.maria)["answered"] == 20
    [intention] = intentions_of(world.maria)
    assert intention.status == IntentionStatus.ACHIEVED


def test_an_absent_belief_without_a_test_goal_plan_fails_the_plan():
    """``TransitionSystem.applyExecInt``, case ``test``: no belief and no candidate ``+?`` plan:
    ``generateGoalDeletion(.., test_goal_failed)``. MABOS names it ``no_belief``; the ``-!`` plan runs."""
    world = World("bob")
    world.plans("""
        @asks +!ask <- ?t1(X); +answered(X).
        -!ask <- +t1_unknown.
    """)
    world.goal("bob", "ask")
    run_cycles()
    assert beliefs_of(world.bob) == {"t1_unknown": True}
    [intention] = intentions_of(world.bob)
    assert intention.error["error"] == "no_belief" and intention.error["plan"] == "asks"
    assert intention.error["message"] == "?t1: no such belief and no +?t1 plan"


def test_belief_addition_and_removal_trigger_their_plans():
    """``demos/communication/maria.asl``, ``+vl(X)[source(Ag)] <- .print("Received tell ", vl(X))`` and
    ``TestPlanER.java``'s ``+a(X) <- aroot(X)``: a belief added from outside is an external event; its
    ``+b`` plan binds the value. ``-b`` plans see a removal with the value it had."""
    world = World("maria")
    world.plans("""
        +vl(X) <- +received(X).
        -vl(X) <- +forgot(X).
    """)
    belief_set(agent=world.maria, key="vl", value=10, by=SYSTEM)
    run_cycles()
    assert beliefs_of(world.maria) == {"vl": 10, "received": 10}
    belief_delete(belief=Belief.objects.get(agent=world.maria, key="vl"), by=SYSTEM)
    run_cycles()
    assert beliefs_of(world.maria) == {"received": 10, "forgot": 10}
    assert [i.trigger_kind for i in intentions_of(world.maria)] == ["belief_added", "belief_removed"]


def test_a_belief_set_again_to_the_same_value_triggers_nothing():
    """Jason's belief revision (``Agent.brf``, called from ``TransitionSystem.applyExecInt``'s ``addBel``)
    returns null when the literal is already believed, "if (result != null) { // really added something"
    — no event. Here: setting the same value again, from outside or from a plan, posts no event and no plan
    runs; a plan that re-adds its own trigger's belief does not loop."""
    world = World("bob", beliefs={"bob": {"level": 3}})
    world.plans("@again +level(X) <- +level(X); +seen(X).")
    belief_set(agent=world.bob, key="level", value=3, by=SYSTEM)
    assert not AgentEvent.objects.filter(agent=world.bob, consumed_at__isnull=True).exists()
    run_cycles()
    assert intentions_of(world.bob) == [] and all(t.event is None for t in traces_of(world.bob))
    belief_set(agent=world.bob, key="level", value=4, by=SYSTEM)
    run_cycles()
    assert beliefs_of(world.bob) == {"level": 4, "seen": 4}
    [intention] = intentions_of(world.bob)
    assert intention.status == IntentionStatus.ACHIEVED
    assert [t.event["name"] for t in traces_of(world.bob) if t.event] == ["level", "seen"]


def test_replacing_a_belief_triggers_its_addition_plans():
    """``TransitionSystem.applyExecInt``, case ``delAddBel``: ``-+a(1,X)`` removes ``a(_,_)`` and adds
    ``a(1,X)``, with the events of both. MABOS's ``-+b(V)`` changes b's value: a ``belief_changed``
    event, which the ``+b`` plans see (``cycle/events.py``: "a changed belief is Jason's ``-+b``")."""
    world = World("bob", beliefs={"bob": {"counter": 1}})
    world.plans("""
        +!bump <- -+counter(counter + 1).
        @on_counter +counter(V) <- +last_seen(V).
    """)
    world.goal("bob", "bump")
    run_cycles()
    assert beliefs_of(world.bob) == {"counter": 2, "last_seen": 2}
    changed = [t for t in traces_of(world.bob) if t.event and t.event["kind"] == "belief_changed"]
    assert len(changed) == 1 and changed[0].choice["label"] == "on_counter"


def test_a_request_binds_content_and_sender_and_the_reply_continues_the_conversation():
    """``jason-interpreter/src/test/java/test/asunit/TestKQML.java``, ``testSend``: maria's
    ``+!goto(X,Y)[source(Ag)] <- act(X,Y,Ag)`` gets ``goto(10,2)`` from bob with ``Ag = bob``; and
    ``jason-interpreter/src/test/jason/asl/stdlib/send.asl``'s ``+!goto(X,Y)[source(Ag)] <- .send(Ag, tell,
    my_position(X,Y))``: the answer goes back to the sender. Here bob sends a request, maria's plan binds
    the content and the sender and replies ``agree``, exactly once, in the request's conversation."""
    world = World("bob", "maria")
    world.plans("""
        ^message:request(Content, Sender) <- +asked_by(Sender); .send(Sender, agree, {"position": Content}).
        ^message:agree(Content) <- +agreed(Content).
    """)
    request = message_send(organization=world.org, sender_agent=world.bob, by=SYSTEM, performative="request",
                           content=[10, 2], to=[world.maria.pk]).message
    run_with_mail()
    assert beliefs_of(world.maria)["asked_by"] == str(world.bob.pk)
    [reply] = sent_by(world.maria)
    assert reply.performative == "agree" and reply.content == {"position": [10, 2]}
    assert reply.conversation_id == request.conversation_id and reply.in_reply_to_id == request.pk
    assert list(reply.deliveries.values_list("recipient_id", flat=True)) == [world.bob.pk]
    assert beliefs_of(world.bob)["agreed"] == {"position": [10, 2]}


def test_a_message_plan_with_an_ontology_is_relevant_only_to_that_ontology():
    """Relevance for messages: Jason's ``+!kqml_received(Sender, askOne, fullname, ReplyWith)`` in
    ``demos/communication/maria.asl`` is relevant only to an askOne whose content is ``fullname``; others
    take the default plan. Here a plan qualified ``[ontology("finance")]`` is relevant only to messages of
    that ontology, the unqualified one to every inform."""
    world = World("bob", "maria")
    world.plans("""
        @finance ^message:inform(C)[ontology("finance")] <- +finance_news(C).
        @any_news ^message:inform(C) <- +news(C).
    """)
    for ontology, content in (("finance", "rates up"), ("", "sunny")):
        message_send(organization=world.org, sender_agent=world.bob, by=SYSTEM, performative="inform",
                     content=content, ontology=ontology, to=[world.maria.pk])
    run_with_mail()
    assert beliefs_of(world.maria) == {"finance_news": "rates up", "news": "sunny"}
    options = [[o["label"] for o in t.options] for t in traces_of(world.maria) if t.event["kind"] == "message"]
    assert options == [["finance", "any_news"], ["any_news"]]
