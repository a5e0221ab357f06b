"""``^protocol:all_responses`` (issue 14 part 2; docs/protocols.md, FIPA Contract-Net): a Contract-Net call
that closes with proposals while no intention waits on it (a person started it through the API) is an event
for its initiator's plans, which decide on it with ``accept-proposal`` as a cfp step's plan would. The
proposals bound are read from the run, never from the event; an event not posted by MABOS decides nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.common.errors import InvalidInput
from agents.models import AgentEvent, AgentKind, IntentionStatus, ProtocolRun
from agents.protocols.people import run_start
from agents.protocols.sweeper import protocols_sweep
from agents.reasoning.events.models import EventKind
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, beliefs_of, intentions_of, run_cycles, run_with_mail, traces_of

pytestmark = pytest.mark.django_db

DECIDES = """
^protocol:all_responses(Bids) : Bids["proposals"][0]["content"] <= Bids["proposals"][1]["content"]
    <- .start_protocol(accept-proposal, Bids["proposals"][0]["participant"], "go", Done); +bought(Done).
^protocol:all_responses(Bids) <- .start_protocol(accept-proposal, Bids["proposals"][1]["participant"], "go", Done);
    +bought(Done).
"""
BIDS = """
^message:cfp(Task, Sender) <- .send(Sender, propose, belief("price", 99)).
^message:accept-proposal(What, Sender) <- .send(Sender, inform, {"delivered": What}).
"""


def _world(*, plans: str = DECIDES + BIDS, silent: bool = False):
    world = World("buyer", "b0", "b1", beliefs={"b0": {"price": 12}, "b1": {"price": 9}})
    world.plans(plans)
    participants = [world.b0, world.b1]
    if silent:
        participants.append(AgentFactory(organization=world.org, role=world.b0.role, kind=AgentKind.EXTERNAL))
    return world, participants


def test_a_call_started_by_a_person_is_decided_by_the_initiators_all_responses_plan():
    world, bidders = _world()
    run = run_start(by=SYSTEM, initiator=world.buyer, participants=bidders, opening="cfp", content="desk")
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done" and run.intention_id is None
    assert {s.participant_id: s.state for s in run.sessions.all()} == {world.b0.pk: "rejected", world.b1.pk: "done"}
    [intention] = intentions_of(world.buyer)
    assert (intention.trigger_kind, intention.trigger_name, intention.status) == (
        "protocol", "all_responses", IntentionStatus.ACHIEVED)
    assert beliefs_of(world.buyer)["bought"] == [{"participant": str(world.b1.pk), "performative": "inform",
                                                  "content": {"delivered": "go"}}]
    [event] = AgentEvent.objects.filter(agent=world.buyer, kind=EventKind.PROTOCOL)
    assert (event.source, event.source_name, event.args["phase"]) == ("system", "protocols", "all_responses")


def test_the_reply_by_deadline_closes_the_call_and_the_sweepers_event_is_decided_on():
    world, bidders = _world(silent=True)
    run = run_start(by=SYSTEM, initiator=world.buyer, participants=bidders, opening="cfp", content="desk",
                    response_timeout=30)
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "awaiting_response"  # the external bidder never answers
    assert protocols_sweep(now=timezone.now() + datetime.timedelta(seconds=31)) == 1
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "done"
    assert sorted(run.sessions.values_list("state", flat=True)) == ["done", "rejected", "timeout"]


def test_with_no_applicable_plan_the_call_waits_for_a_decision_and_the_trace_says_so():
    world, bidders = _world(plans=BIDS)
    run = run_start(by=SYSTEM, initiator=world.buyer, participants=bidders, opening="cfp", content="desk")
    run_with_mail()
    run.refresh_from_db()
    assert run.state == "awaiting_decision" and not intentions_of(world.buyer)
    words = [trace.choice.get("why", "") for trace in traces_of(world.buyer)]
    assert any("no applicable plan for ^protocol:all_responses" in why for why in words), words


def test_an_all_responses_event_not_posted_by_the_protocols_decides_nothing():
    world, bidders = _world(plans=BIDS + DECIDES)
    run = run_start(by=SYSTEM, initiator=world.buyer, participants=bidders[:1], opening="cfp", content="desk",
                    response_timeout=600)
    agent_events_post(events=[NewEvent(agent=world.buyer, kind=EventKind.PROTOCOL, args={
        "run": str(run.pk), "protocol": run.protocol, "state": "awaiting_decision", "phase": "all_responses",
        "proposals": [{"participant": str(world.b1.pk), "content": 1}]})], by=SYSTEM)
    run_cycles()
    assert not intentions_of(world.buyer)
    run.refresh_from_db()
    assert run.state == "awaiting_response"


def test_a_protocol_trigger_names_a_moment_of_a_run():
    world, _ = _world()
    [document] = text_to_plans("^protocol:all_answered(X) <- +x(X).")
    with pytest.raises(InvalidInput) as refused:
        plan_create(document=document, organization=world.org, by=SYSTEM)
    assert list(refused.value.fields) == ["trigger.name"]
    assert ProtocolRun.objects.count() == 0
