"""The cost of a Contract-Net in a batch (issue 14, part 2): the initiator's batches that take the
proposals, close the call, resume the cfp step and decide cost at most the same queries for 2 and for 12
bidders (the sessions come with the run, the proposals' contents with the sessions)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import ProtocolRun
from agents.reasoning.cycle.batch import reason_batch
from tests.support.factories import AgentFactory
from tests.support.reasoning import World, run_cycles, run_with_mail

pytestmark = pytest.mark.django_db


def _proposals_batch_queries(bidders: int) -> int:
    world = World("buyer")
    for index in range(bidders):
        AgentFactory(organization=world.org, role=world.buyer.role, slug=f"b{index}")
    names = ", ".join(f"b{index}" for index in range(bidders))
    world.plans(f"""
        +!buy : true <- .start_protocol(cfp, [{names}], "desk", Bids);
            .start_protocol(accept-proposal, Bids["proposals"][0]["participant"], "go", Done); +done(Done).
        ^message:cfp(Task, Sender) <- .send(Sender, propose, 10).
        ^message:accept-proposal(What, Sender) <- .send(Sender, inform, "delivered").
    """)
    world.goal("buyer", "buy")
    run_cycles()
    delivery_dispatch_due()
    run_cycles()  # every bidder proposes
    delivery_dispatch_due()
    costs = []
    while True:  # the buyer takes the proposals one cycle at a time; the last closes the call and decides
        with CaptureQueriesContext(connection) as queries:
            if not reason_batch(limit=1000):
                break
        costs.append(len(queries))
    assert ProtocolRun.objects.get(initiator=world.buyer).state == "awaiting_result"
    run_with_mail()
    run = ProtocolRun.objects.get(initiator=world.buyer)
    assert run.state == "done" and run.sessions.count() == bidders
    return max(costs)


def test_the_batch_that_takes_the_proposals_and_decides_costs_the_same_for_2_and_for_12_bidders():
    assert _proposals_batch_queries(2) == _proposals_batch_queries(12)
