"""FIPA Subscribe between two internal agents (issue 14, part 2): the initiator's step resumes at the agree, and
every change of the subscribed belief of the participant (its own plan's and the belief services' alike)
reaches the initiator as an inform in the run's conversation, in order, until a failure or a cancel."""

from __future__ import annotations

import pytest

from agents.models import Belief, IntentionStatus, Message, ProtocolRun, ProtocolSubscription
from agents.protocols.sweeper import protocols_sweep
from agents.reasoning.services.beliefs import belief_delete, belief_set
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

INITIATOR = """
+!watch : true <- .start_protocol(subscribe, cfo, {"belief": "cash"}, Agreed); +agreed(Agreed).
-!watch : true <- +watch_failed(true).
^message:inform(Change, Sender)[protocol("fipa-subscribe")] <- +seen(Change).
"""
AGREES = """
^message:subscribe(What, Sender) <- .send(Sender, agree, {"watching": What}).
+!spend : true <- +cash(5).
"""


def _world(participant: str, initiator: str = INITIATOR) -> World:
    world = World("ceo", "cfo")
    world.plans(initiator + participant)
    return world


def _informs(agent) -> list[Message]:
    return [m for m in sent_by(agent) if m.performative == "inform"]


def _subscribed(participant: str = AGREES, initiator: str = INITIATOR) -> tuple[World, ProtocolRun]:
    world = _world(participant, initiator)
    world.goal("ceo", "watch")
    run_with_mail()
    return world, ProtocolRun.objects.get()


def test_agree_resumes_the_step_then_three_changes_send_three_informs_in_order_with_their_values():
    world, run = _subscribed()
    assert (run.protocol, run.performative, run.state, run.phase) == ("fipa-subscribe", "subscribe", "subscribed",
                                                                      "subscribed")
    # The step resumed at the agree, bound to its content: nobody waits on the open run.
    assert beliefs_of(world.ceo)["agreed"] == {"watching": {"belief": "cash"}}
    assert [i.status for i in intentions_of(world.ceo)] == [IntentionStatus.ACHIEVED]
    [promise] = ProtocolSubscription.objects.all()
    assert (promise.run_id, promise.participant_id, promise.initiator_id, promise.belief, promise.active) == \
        (run.pk, world.cfo.pk, world.ceo.pk, "cash", True)

    belief_set(agent=world.cfo, key="cash", value=100, by=SYSTEM)     # through the belief service (the API's)
    belief_set(agent=world.cfo, key="cash", value=200, by=SYSTEM)
    world.goal("cfo", "spend")                                        # its own plan step: +cash(5)
    run_with_mail()

    informs = _informs(world.cfo)
    assert [m.content for m in informs] == [{"belief": "cash", "value": 100}, {"belief": "cash", "value": 200},
                                            {"belief": "cash", "value": 5}]
    assert all((m.conversation_id, m.protocol, m.performative) == (run.pk, "fipa-subscribe", "inform")
               for m in informs)
    run.refresh_from_db()
    assert run.state == "subscribed" and run.result == {"belief": "cash", "value": 5} and run.rejected == []
    # Each inform reached the initiator's plans, in order: three intentions, the last value seen.
    assert beliefs_of(world.ceo)["seen"] == {"belief": "cash", "value": 5}
    assert [i.trigger_name for i in intentions_of(world.ceo)][1:] == ["inform"] * 3


def test_a_removal_is_an_inform_saying_removed():
    world, _run = _subscribed()
    belief_set(agent=world.cfo, key="cash", value=1, by=SYSTEM)
    belief_delete(belief=Belief.objects.get(agent=world.cfo, key="cash"), by=SYSTEM)
    run_with_mail()
    assert [m.content for m in _informs(world.cfo)] == [{"belief": "cash", "value": 1},
                                                        {"belief": "cash", "removed": True}]


def test_a_change_of_another_belief_sends_nothing():
    world, _run = _subscribed()
    belief_set(agent=world.cfo, key="debt", value=7, by=SYSTEM)
    belief_set(agent=world.cfo, key="cashflow", value=7, by=SYSTEM)
    run_with_mail()
    assert _informs(world.cfo) == []
    assert "seen" not in beliefs_of(world.ceo)


def test_a_refuse_fails_the_step_with_refused_and_makes_no_subscription():
    world = _world("""^message:subscribe(What, Sender) <- .send(Sender, refuse, {"reason": "secret"}).""")
    world.goal("ceo", "watch")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("refused", "secret")
    assert beliefs_of(world.ceo)["watch_failed"] is True
    assert intentions_of(world.ceo)[0].error["error"] == "refused"
    assert not ProtocolSubscription.objects.exists()
    belief_set(agent=world.cfo, key="cash", value=1, by=SYSTEM)
    run_with_mail()
    assert _informs(world.cfo) == []


def test_a_participant_with_no_applicable_plan_refuses_with_no_plan():
    world = _world("""^message:subscribe(What, Sender) : belief("never", False) <- .send(Sender, agree, null).""")
    world.goal("ceo", "watch")
    run_with_mail()
    [refusal] = sent_by(world.cfo)
    assert (refusal.performative, refusal.content, refusal.protocol) == ("refuse", {"reason": "no_plan"},
                                                                          "fipa-subscribe")
    assert (ProtocolRun.objects.get().state, ProtocolRun.objects.get().reason) == ("refused", "no_plan")
    assert intentions_of(world.ceo)[0].error["error"] == "refused"
    assert not ProtocolSubscription.objects.exists()


def test_after_the_participants_failure_no_more_informs_are_sent():
    world, run = _subscribed("""
        ^message:subscribe(What, Sender) <- .send(Sender, agree, null); +cash(1);
                                            .send(Sender, failure, {"reason": "closing the books"}).
    """)
    run.refresh_from_db()
    assert (run.state, run.reason) == ("failed", "closing the books")
    assert [m.performative for m in sent_by(world.cfo)] == ["agree", "inform", "failure"]
    assert ProtocolSubscription.objects.get().active is False
    belief_set(agent=world.cfo, key="cash", value=2, by=SYSTEM)
    run_with_mail()
    assert [m.performative for m in sent_by(world.cfo)] == ["agree", "inform", "failure"]
    assert beliefs_of(world.ceo)["seen"] == {"belief": "cash", "value": 1}


def test_after_the_initiators_cancel_no_more_informs_are_sent_and_the_run_closes():
    cancels = INITIATOR.replace("<- +seen(Change).", "<- +seen(Change); .send(Sender, cancel, null).")
    world, run = _subscribed(initiator=cancels)
    belief_set(agent=world.cfo, key="cash", value=10, by=SYSTEM)
    run_with_mail()
    [cancel] = [m for m in sent_by(world.ceo) if m.performative == "cancel"]
    assert (cancel.conversation_id, cancel.protocol) == (run.pk, "fipa-subscribe")
    run.refresh_from_db()
    assert (run.state, run.reason) == ("failed", "cancelled")
    assert [m.performative for m in sent_by(world.cfo)] == ["agree", "inform", "failure"]
    assert sent_by(world.cfo)[-1].content == {"reason": "cancelled"}
    assert ProtocolSubscription.objects.get().active is False
    belief_set(agent=world.cfo, key="cash", value=20, by=SYSTEM)
    run_with_mail()
    assert len(_informs(world.cfo)) == 1


def test_an_agree_after_the_run_timed_out_is_not_understood_and_ends_the_participants_promise():
    import datetime

    from django.utils import timezone

    from tests.support.reasoning import run_cycles

    world = _world(AGREES)
    world.goal("ceo", "watch")
    run_cycles()  # the subscribe is sent, not delivered yet
    assert protocols_sweep(now=timezone.now() + datetime.timedelta(minutes=5)) == 1
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "timeout" and run.rejected[-1]["performative"] == "agree"
    assert intentions_of(world.ceo)[0].error["error"] == "timeout"
    assert ProtocolSubscription.objects.get().active is False
    belief_set(agent=world.cfo, key="cash", value=1, by=SYSTEM)
    run_with_mail()
    assert _informs(world.cfo) == []


def test_a_subscribed_run_has_no_deadline_the_sweeper_never_closes_it():
    import datetime

    _world, run = _subscribed()
    assert protocols_sweep(now=run.response_by + datetime.timedelta(days=365)) == 0
    run.refresh_from_db()
    assert run.state == "subscribed"


def test_a_subscribe_must_name_a_belief():
    world = _world(AGREES, INITIATOR.replace('{"belief": "cash"}', '"cash"'))
    world.goal("ceo", "watch")
    run_with_mail()
    assert not ProtocolRun.objects.exists()
    assert intentions_of(world.ceo)[0].error["error"] == "bad_content"


def _changes_batch_queries(participants: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agents.reasoning.cycle.batch import reason_batch
    from tests.support.factories import AgentFactory

    world = World("ceo")
    world.plans("""
        +!watch(P) : true <- .start_protocol(subscribe, P, {"belief": "cash"}, A).
        ^message:subscribe(What, Sender) <- .send(Sender, agree, null).
    """)
    for index in range(participants):
        agent = AgentFactory(organization=world.org, role=world.ceo.role, slug=f"p{index}")
        world.agents[agent.slug] = agent
        world.goal("ceo", "watch", agent.slug)
    run_with_mail()
    assert ProtocolSubscription.objects.filter(active=True, participant__organization=world.org).count() \
        == participants
    for index in range(participants):
        belief_set(agent=world.agents[f"p{index}"], key="cash", value=index, by=SYSTEM)
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=1000) == participants
    assert Message.objects.filter(performative="inform", protocol="fipa-subscribe",
                                   sender_agent__organization=world.org).count() == participants
    return len(queries)


def test_a_batch_of_subscribed_changes_costs_the_same_queries_for_2_and_for_20_participants():
    assert _changes_batch_queries(2) == _changes_batch_queries(20)


def test_two_initiators_subscribed_to_one_belief_each_get_every_change_in_their_own_run():
    world = World("ceo", "cfo", "cto")
    world.plans(INITIATOR + AGREES)
    world.goal("ceo", "watch")
    world.goal("cto", "watch")
    run_with_mail()
    runs = {run.initiator_id: run for run in ProtocolRun.objects.all()}
    assert {run.state for run in runs.values()} == {"subscribed"}
    belief_set(agent=world.cfo, key="cash", value=1, by=SYSTEM)
    belief_set(agent=world.cfo, key="cash", value=2, by=SYSTEM)
    run_with_mail()
    for initiator in (world.ceo, world.cto):
        informs = [m for m in _informs(world.cfo) if m.conversation_id == runs[initiator.pk].pk]
        assert [m.content["value"] for m in informs] == [1, 2]
        assert beliefs_of(initiator)["seen"] == {"belief": "cash", "value": 2}
