"""FIPA Contract-Net between internal agents, end to end (issue 14, part 2): a cfp to several bidders, the
proposals collected until every one answered or the reply-by deadline, the initiator's plan deciding, the
accepted bidder's result; a late proposal rejected automatically with reason ``late``."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.messaging.services.send import message_send
from agents.models import AgentEvent, IntentionStatus, ProtocolRun, ProtocolSession
from agents.protocols.sweeper import protocols_sweep
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

BIDDERS = """
^message:cfp(Task, Sender) : belief("price", 0) > 0 <- .send(Sender, propose, belief("price", 0)).
^message:cfp(Task, Sender) : belief("price", 0) == 0 and not belief("silent", False)
    <- .send(Sender, refuse, {"reason": "busy"}).
^message:cfp(Task, Sender) : belief("silent", False) <- +heard(Task).
^message:accept-proposal(What, Sender) <- .send(Sender, inform, {"delivered": What}).
^message:reject-proposal(Why, Sender) <- +lost(Why).
"""
# The decision is the plan's: the cheapest of three proposals.
CHEAPEST = 'min(P[0]["content"], P[1]["content"], P[2]["content"])'
BUYER = f"""
+!buy : true <- .start_protocol(cfp, [a, b, c, d, e], "desk", Bids, 30, 60); +bids(Bids); !award(Bids["proposals"]).
+!award(P) : P[0]["content"] == {CHEAPEST} <- .start_protocol(accept-proposal, P[0]["participant"], "go", Done); +done(Done).
+!award(P) : P[1]["content"] == {CHEAPEST} <- .start_protocol(accept-proposal, P[1]["participant"], "go", Done); +done(Done).
+!award(P) : P[2]["content"] == {CHEAPEST} <- .start_protocol(accept-proposal, P[2]["participant"], "go", Done); +done(Done).
-!buy : true <- +buy_failed(true).
"""


def _later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def _world(**beliefs) -> World:
    world = World("buyer", "a", "b", "c", "d", "e", beliefs=beliefs)
    world.plans(BUYER + BIDDERS)
    return world


def _sessions(run) -> dict[str, str]:
    return {s.participant.slug: s.state for s in ProtocolSession.objects.filter(run=run).select_related("participant")}


def test_three_propose_one_refuses_one_is_late_the_plan_accepts_the_cheapest_who_informs_done():
    world = _world(a={"price": 30}, b={"price": 20}, c={"price": 40}, e={"silent": True})
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.protocol, run.performative, run.state) == ("fipa-contract-net", "cfp", "awaiting_response")
    assert _sessions(run) == {"a": "proposed", "b": "proposed", "c": "proposed", "d": "refused",
                              "e": "awaiting_response"}
    [cfp] = sent_by(world.buyer)
    assert cfp.conversation_id == run.pk and cfp.reply_by == run.response_by and len(cfp.content) > 0

    assert protocols_sweep(now=_later(29)) == 0
    assert protocols_sweep(now=_later(31)) == 1  # the reply-by deadline closes the call
    event = AgentEvent.objects.get(agent=world.buyer, kind="protocol")
    assert event.args["phase"] == "all_responses" and len(event.args["proposals"]) == 3
    assert event.args["refused"] == [{"participant": str(world.d.pk), "content": {"reason": "busy"}}]
    run_with_mail()

    run.refresh_from_db()
    assert (run.state, run.phase) == ("done", "closed")
    assert run.result == [{"participant": str(world.b.pk), "performative": "inform", "content": {"delivered": "go"}}]
    assert _sessions(run) == {"a": "rejected", "b": "done", "c": "rejected", "d": "refused", "e": "timeout"}
    bids = beliefs_of(world.buyer)["bids"]
    assert bids["run"] == str(run.pk) and [p["content"] for p in bids["proposals"]] == [30, 20, 40]
    assert beliefs_of(world.buyer)["done"] == run.result
    assert [i.status for i in intentions_of(world.buyer)] == [IntentionStatus.ACHIEVED]
    sent = [(m.performative, sorted(d.recipient.slug for d in m.deliveries.all())) for m in sent_by(world.buyer)]
    assert sent == [("cfp", ["a", "b", "c", "d", "e"]), ("accept-proposal", ["b"]), ("reject-proposal", ["a", "c"])]
    assert all(m.conversation_id == run.pk and m.protocol == "fipa-contract-net" for m in sent_by(world.buyer))
    assert beliefs_of(world.a)["lost"] == {"reason": "not_accepted"}

    # e proposes after the deadline: rejected automatically with reason late, recorded; the run is unchanged.
    late = message_send(organization=world.org, sender_agent=world.e, by=SYSTEM, performative="propose", content=5,
                        to=[world.buyer.pk], conversation_id=run.pk, protocol="fipa-contract-net").message
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done" and run.rejected[-1]["message"] == str(late.pk) and run.rejected[-1]["why"] == "late"
    answer = sent_by(world.buyer)[-1]
    assert (answer.performative, answer.content, answer.in_reply_to_id) == ("reject-proposal", {"reason": "late"},
                                                                             late.pk)
    assert beliefs_of(world.e)["lost"] == {"reason": "late"}


def test_when_every_bidder_answered_the_plan_decides_at_once_without_the_deadline():
    world = _world(a={"price": 30}, b={"price": 20}, c={"price": 10})
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "done" and run.result[0]["participant"] == str(world.c.pk)
    assert _sessions(run) == {"a": "rejected", "b": "rejected", "c": "done", "d": "refused", "e": "refused"}


def test_no_proposals_fails_the_step_with_no_proposals():
    world = _world()
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("failed", "no_proposals")
    [intention] = intentions_of(world.buyer)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "no_proposals"
    assert beliefs_of(world.buyer)["buy_failed"] is True


def test_no_proposals_by_the_deadline_fails_the_step_with_no_proposals_too():
    world = _world(a={"silent": True}, b={"silent": True}, c={"silent": True}, d={"silent": True},
                   e={"silent": True})
    world.goal("buyer", "buy")
    run_with_mail()
    assert protocols_sweep(now=_later(31)) == 1
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("failed", "no_proposals")
    assert intentions_of(world.buyer)[0].error["error"] == "no_proposals"


def test_an_accept_for_a_proposal_never_made_is_not_understood():
    world = _world(a={"price": 30}, b={"price": 20}, c={"price": 10}, e={"silent": True})
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    # d refused: an accept-proposal to it in the run's conversation is answered with not-understood.
    message_send(organization=world.org, sender_agent=world.buyer, by=SYSTEM, performative="accept-proposal",
                 content="go", to=[world.d.pk], conversation_id=run.pk, protocol="fipa-contract-net")
    run_with_mail()
    [answer] = sent_by(world.d)[1:]
    assert answer.performative == "not-understood" and "no proposal" in answer.content["reason"]
    run.refresh_from_db()
    assert run.rejected[-1]["performative"] == "not-understood"  # recorded by the initiator, not answered
    assert "delivered" not in str(sent_by(world.d))


def test_the_decision_step_refuses_an_agent_that_made_no_proposal():
    world = World("buyer", "a", "d", beliefs={"a": {"price": 30}})
    world.plans(BIDDERS + """
        +!buy : true <- .start_protocol(cfp, [a, d], "desk", Bids); .start_protocol(accept-proposal, d, "go", X).
        -!buy : true <- +buy_failed(true).
    """)
    world.goal("buyer", "buy")
    run_with_mail()
    [intention] = intentions_of(world.buyer)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "not_proposed"
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_decision" and _sessions(run) == {"a": "proposed", "d": "refused"}
    assert [m.performative for m in sent_by(world.buyer)] == ["cfp"]  # nothing half-written


def test_no_decision_before_the_deadline_times_the_run_out():
    world = World("buyer", "a", beliefs={"a": {"price": 30}})
    world.plans(BIDDERS + """+!buy : true <- .start_protocol(cfp, [a], "desk", Bids, 30, 60); +bids(Bids).""")
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_decision" and run.result_by is not None
    assert protocols_sweep(now=_later(59)) == 0
    assert protocols_sweep(now=_later(61)) == 1
    run.refresh_from_db()
    assert (run.state, run.reason) == ("timeout", "no decision before its deadline")


def test_a_cfp_with_a_past_reply_by_is_refused_when_the_plan_is_saved_and_nothing_is_written():
    from agents.models import Plan
    from mabos.errors import InvalidInput

    world = World("buyer", "a")
    with pytest.raises(InvalidInput) as refused:
        world.plans("""+!buy : true <- .start_protocol(cfp, [a], "desk", Bids, 0, 60).""")
    assert any("response_timeout" in field for field in refused.value.fields)
    assert not Plan.objects.filter(organization=world.org).exists()


def test_a_cfp_with_no_recipient_but_the_initiator_fails_the_step_and_opens_no_run():
    world = World("buyer")
    world.plans("""+!buy : true <- .start_protocol(cfp, [buyer], "desk", Bids).
                   -!buy : true <- +buy_failed(true).""")
    world.goal("buyer", "buy")
    run_with_mail()
    assert intentions_of(world.buyer)[0].error["error"] == "bad_recipient"
    assert not ProtocolRun.objects.exists() and sent_by(world.buyer) == []


def test_every_session_state_that_waits_has_a_timeout_move():
    from agents.protocols.transitions import DEADLINE, SESSION_TRANSITIONS, TIMEOUT_ACT

    for (protocol, state, _performative, _role) in SESSION_TRANSITIONS:
        assert (protocol, state, TIMEOUT_ACT, DEADLINE) in SESSION_TRANSITIONS


def test_a_bidder_with_no_applicable_plan_refuses_the_cfp_with_no_plan():
    world = World("buyer", "a", "z", beliefs={"a": {"price": 30}})
    world.plans("""
        +!buy : true <- .start_protocol(cfp, [a, z], "desk", Bids); +bids(Bids).
        ^message:cfp(Task, Sender) : belief("price", 0) > 0 <- .send(Sender, propose, belief("price", 0)).
    """)
    world.goal("buyer", "buy")
    run_with_mail()
    bids = beliefs_of(world.buyer)["bids"]
    assert bids["proposals"] == [{"participant": str(world.a.pk), "content": 30}]
    assert bids["refused"] == [{"participant": str(world.z.pk), "content": {"reason": "no_plan"}}]
    assert ProtocolRun.objects.get().state == "awaiting_decision"


def test_cancelling_a_call_for_proposals_cancels_every_open_session_and_fails_the_buyers_step():
    """The cancel meta-protocol over a run with several sessions (agents.protocols.services.run_cancel)."""
    from agents.protocols.people import run_cancel

    world = _world(a={"price": 30}, e={"silent": True})
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_response"
    run_cancel(run=run, by=SYSTEM, reason="the budget is gone")
    run.refresh_from_db()
    assert run.state == "cancelled"
    assert set(_sessions(run).values()) <= {"cancelled", "refused"} and _sessions(run)["a"] == "cancelled"
    run_with_mail()
    assert beliefs_of(world.buyer)["buy_failed"] is True
    assert [i.error["error"] for i in intentions_of(world.buyer)] == ["cancelled"]
