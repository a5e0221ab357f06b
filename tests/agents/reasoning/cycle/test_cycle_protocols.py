"""The ``start_protocol`` step in the cycle (issue 14, part 5) and the cost of protocol messages in a batch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import IntentionStatus, Message, ProtocolRun, ProtocolSession
from agents.reasoning.cycle.batch import reason_batch
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, intentions_of, run_cycles, run_with_mail

pytestmark = pytest.mark.django_db


def test_the_step_opens_the_run_sends_the_opening_act_and_waits_on_the_run():
    world = World("ceo", "cfo")
    world.plans("""+!ask : true <- .start_protocol(query-ref, cfo, {"of": "cash"}, C, 5, 60); +got(C).""")
    world.goal("ceo", "ask")
    run_cycles()
    [intention] = intentions_of(world.ceo)
    run = ProtocolRun.objects.get()
    assert intention.status == IntentionStatus.WAITING and intention.wait_until is None
    assert intention.wait["protocol"] == str(run.pk) and intention.wait["bind"] == "C"
    assert (run.protocol, run.performative, run.state, run.intention_id) == \
        ("fipa-query", "query-ref", "awaiting_response", intention.id)
    assert (run.response_by - run.created_at).total_seconds() == 5 and run.result_timeout == 60
    assert ProtocolSession.objects.get(run=run).participant_id == world.cfo.pk
    [opening] = Message.objects.filter(sender_agent=world.ceo)
    assert (opening.performative, opening.protocol, opening.conversation_id, opening.content) == \
        ("query-ref", "fipa-query", run.pk, {"of": "cash"})
    assert run_cycles() == 0  # waiting on the run costs nothing


def test_a_run_with_itself_fails_the_step_with_bad_recipient():
    world = World("ceo")
    world.plans("""+!ask : true <- .start_protocol(request, ceo, null).""")
    world.goal("ceo", "ask")
    run_cycles()
    [intention] = intentions_of(world.ceo)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "bad_recipient"
    assert not ProtocolRun.objects.exists()


def _replies_batch_queries(initiators: int) -> int:
    world = World("cfo")
    world.plans("""
        +!ask : true <- .start_protocol(request, cfo, null, R); +got(R).
        ^message:request(C, Sender) <- .send(Sender, inform, 1).
    """)
    for index in range(initiators):
        agent = AgentFactory(organization=world.org, role=world.cfo.role, slug=f"i{index}")
        world.agents[agent.slug] = agent
        world.goal(agent.slug, "ask")
    run_cycles()
    delivery_dispatch_due()
    run_cycles()  # the cfo answers every request
    delivery_dispatch_due()
    with CaptureQueriesContext(connection) as queries:
        assert reason_batch(limit=1000) == initiators
    run_with_mail()
    assert set(ProtocolRun.objects.values_list("state", flat=True)) == {"done"}
    return len(queries)


def test_a_batch_of_protocol_replies_costs_the_same_queries_for_2_and_for_20_initiators():
    assert _replies_batch_queries(2) == _replies_batch_queries(20)
