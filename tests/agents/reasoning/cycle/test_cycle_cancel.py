"""The ``cancel_protocol`` step (issue 14 part 2, the cancel meta-protocol from a plan; docs/protocols.md,
Cancel): the initiator's plan ends one of its own open runs, in its cycle's writes: the run and its open
sessions ``cancelled``, a ``cancel`` to their participants, an intention waiting on the run failed
``cancelled``; a closed run, another agent's run or no run at all fail the step, nothing written."""

from __future__ import annotations

import pytest

from agents.agent.models import AgentKind
from agents.models import IntentionStatus, Message, ProtocolRun, ProtocolSubscription
from agents.reasoning.services.beliefs import belief_set
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, run_with_mail, sent_by

pytestmark = pytest.mark.django_db


def _cancels(agent) -> list[Message]:
    return [m for m in sent_by(agent) if m.performative == "cancel"]


def test_a_subscription_is_cancelled_by_the_plan_that_takes_its_first_inform_and_no_inform_follows():
    world = World("ceo", "cfo")
    world.plans("""
        +!watch : true <- .start_protocol(subscribe, cfo, {"belief": "cash"}, Agreed).
        ^message:inform(Change, Sender)[protocol("fipa-subscribe")] <- +seen(Change); .cancel_protocol(null, "enough").
        ^message:subscribe(What, Sender) <- .send(Sender, agree, null).
    """)
    world.goal("ceo", "watch")
    run_with_mail()
    belief_set(agent=world.cfo, key="cash", value=100, by=SYSTEM)
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.phase, run.reason) == ("cancelled", "closed", "enough")
    assert run.sessions.get().state == "cancelled"
    [cancel] = _cancels(world.ceo)
    assert (cancel.conversation_id, cancel.content, list(cancel.deliveries.values_list("recipient_id", flat=True))) \
        == (run.pk, {"reason": "enough"}, [world.cfo.pk])
    assert not ProtocolSubscription.objects.get().active  # the participant ended its promise
    belief_set(agent=world.cfo, key="cash", value=200, by=SYSTEM)
    run_with_mail()
    assert [m.content for m in sent_by(world.cfo) if m.performative == "inform"] == [{"belief": "cash", "value": 100}]
    assert beliefs_of(world.ceo)["seen"] == {"belief": "cash", "value": 100}


def _called(world: World, plans: str) -> ProtocolRun:
    for slug in ("b0", "b1"):
        AgentFactory(organization=world.org, role=world.buyer.role, slug=slug)
    world.plans(plans + '^message:cfp(Task, Sender) <- .send(Sender, propose, 10).\n')
    world.goal("buyer", "buy")
    run_with_mail()
    return ProtocolRun.objects.get()


def test_a_decision_not_to_buy_cancels_the_call_and_every_proposer_is_told():
    world = World("buyer")
    run = _called(world, '+!buy : true <- .start_protocol(cfp, [b0, b1], "desk", Bids); '
                         '.cancel_protocol(Bids, "too dear"); +abandoned(true).\n')
    assert (run.state, run.reason) == ("cancelled", "too dear")
    assert sorted(run.sessions.values_list("state", flat=True)) == ["cancelled", "cancelled"]
    [cancel] = _cancels(world.buyer)
    assert set(cancel.deliveries.values_list("recipient_id", flat=True)) == set(run.sessions.values_list(
        "participant_id", flat=True))
    assert beliefs_of(world.buyer)["abandoned"] is True
    assert [i.status for i in intentions_of(world.buyer)] == [IntentionStatus.ACHIEVED]


def test_a_run_named_by_id_in_a_later_goal_is_loaded_and_cancelled():
    world = World("buyer")
    run = _called(world, '+!buy : true <- .start_protocol(cfp, [b0, b1], "desk", Bids); +call(Bids["run"]).\n'
                         '+!abandon(Run) : true <- .cancel_protocol(Run).\n')
    assert run.state == "awaiting_decision"
    world.goal("buyer", "abandon", str(run.pk))
    run_with_mail()
    run.refresh_from_db()
    assert (run.state, run.reason) == ("cancelled", "cancelled by the initiator's plan")
    assert len(_cancels(world.buyer)) == 1


def test_an_intention_waiting_on_the_run_fails_cancelled_and_its_recovery_runs():
    world = World("buyer")
    AgentFactory(organization=world.org, role=world.buyer.role, slug="silent", kind=AgentKind.EXTERNAL)
    world.plans("""
        +!ask : true <- .start_protocol(request, silent, "quote", Quote, 600, 600).
        -!ask : true <- +ask_failed(true).
        +!abandon(Run) : true <- .cancel_protocol(Run, "not needed").
    """)
    world.goal("buyer", "ask")
    run_cycles()
    run = ProtocolRun.objects.get()
    world.goal("buyer", "abandon", str(run.pk))
    run_cycles()
    run.refresh_from_db()
    assert (run.state, run.reason) == ("cancelled", "not needed")
    asking = next(i for i in intentions_of(world.buyer) if i.trigger_name == "ask")
    assert asking.status == IntentionStatus.FAILED and asking.error["error"] == "cancelled", asking.error
    assert beliefs_of(world.buyer)["ask_failed"] is True


@pytest.mark.parametrize(("plan", "error"), [
    ('+!abandon(Run) : true <- .cancel_protocol(Run).', "protocol_closed"),
    ('+!abandon(Run) : true <- .cancel_protocol("not-a-run").', "bad_run"),
    ('+!abandon(Run) : true <- .cancel_protocol.', "bad_run"),
])
def test_a_closed_run_or_no_run_fails_the_step_and_writes_nothing(plan, error):
    world = World("buyer")
    run = _called(world, '+!buy : true <- .start_protocol(cfp, [b0, b1], "desk", Bids); .cancel_protocol(Bids).\n'
                  + plan + "\n-!abandon(Run) : true <- +abandon_failed(true).\n")
    assert run.state == "cancelled"
    version, sent = run.version, Message.objects.count()
    world.goal("buyer", "abandon", str(run.pk))
    run_cycles()
    run.refresh_from_db()
    assert run.version == version and Message.objects.count() == sent
    abandoning = next(i for i in intentions_of(world.buyer) if i.trigger_name == "abandon")
    assert abandoning.error["error"] == error, abandoning.error
    assert beliefs_of(world.buyer)["abandon_failed"] is True


def test_another_agents_run_is_not_cancelled():
    world = World("buyer", "other")
    run = _called(world, '+!buy : true <- .start_protocol(cfp, [b0, b1], "desk", Bids); +call(Bids["run"]).\n'
                         '+!abandon(Run) : true <- .cancel_protocol(Run).\n-!abandon(Run) : true <- +refused(true).\n')
    world.goal("other", "abandon", str(run.pk))
    run_cycles()
    run.refresh_from_db()
    assert run.state == "awaiting_decision" and beliefs_of(world.other)["refused"] is True
    [intention] = [i for i in intentions_of(world.other) if i.trigger_name == "abandon"]
    assert intention.error["error"] == "bad_run"
