"""run_cancel (issue 14, part 8): a run a plan waits on, cancelled by a person, fails the plan's step with
``cancelled`` as a timeout would (its -!g recovery runs); a cycle holding the initiator is never raced."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from agents.models import AgentKind, IntentionStatus, Message, ProtocolRun
from agents.protocols.people import run_cancel
from agents.reasoning.runtime.models import AgentRuntime
from mabos.errors import Conflict
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory
from tests.support.protocols import protocol_run
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail

INITIATOR = """
+!cut : true <- .start_protocol(request, supplier, {"cut": 10}, Result); +outcome(Result).
-!cut : true <- +cut_failed(true).
"""


@pytest.mark.django_db
def test_cancelling_the_run_a_plan_waits_on_fails_its_step_with_cancelled():
    world = World("ceo")
    supplier = AgentFactory(organization=world.org, slug="supplier", name="SUPPLIER", kind=AgentKind.EXTERNAL)
    world.plans(INITIATOR)
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert [i.status for i in intentions_of(world.ceo)] == [IntentionStatus.WAITING]
    run_cancel(by=SYSTEM, run=run, reason="not needed")
    run_with_mail()
    run.refresh_from_db()
    assert (run.state, run.reason, run.phase) == ("cancelled", "not needed", "closed")
    assert beliefs_of(world.ceo)["cut_failed"] is True
    assert Message.objects.filter(performative="cancel", deliveries__recipient=supplier).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_cycle_holding_the_initiator_makes_cancel_a_409_and_nothing_changes():
    run = protocol_run()
    held, release = threading.Event(), threading.Event()

    def cycle_holds_the_runtime_row():
        with transaction.atomic():
            list(AgentRuntime.objects.select_for_update().filter(agent_id=run.initiator_id))
            held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=cycle_holds_the_runtime_row)
    holder.start()
    try:
        assert held.wait(10)
        with pytest.raises(Conflict) as refused:
            run_cancel(by=SYSTEM, run=run)
        assert refused.value.code == "protocol_run_busy"
    finally:
        release.set()
        holder.join(10)
    run.refresh_from_db()
    assert run.state == "awaiting_response"
    assert not Message.objects.filter(performative="cancel").exists()
