"""The cancel meta-protocol (issue 14, part 2): ``run_cancel`` calls a waiting run off, for every protocol;
the participants get ``cancel``, the initiator's step fails ``cancelled``; a closed run is a 409 with nothing
written; a cancel message for a run that was not cancelled is not-understood."""

from __future__ import annotations

import pytest

from agents.messaging.services.send import message_send
from agents.models import IntentionStatus, ProtocolRun, ProtocolSession
from agents.protocols import hooks
from agents.protocols.cancel import run_cancel
from auditlog.models import AuditEvent
from mabos.errors import Conflict
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

REQUEST = """
+!cut : true <- .start_protocol(request, cfo, {"cut": 10}, Result); +outcome(Result).
-!cut : true <- +cut_failed(true).
^message:request(Content, Sender) <- .send(Sender, agree, null).
^message:cancel(Why, Sender) <- +called_off(Why).
"""


def test_cancel_of_a_waiting_request_tells_the_participant_and_fails_the_step_with_cancelled():
    world = World("ceo", "cfo")
    world.plans(REQUEST)
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_result"
    run_cancel(run=run, by=SYSTEM)
    run.refresh_from_db()
    assert (run.state, run.phase, run.reason) == ("cancelled", "closed", "cancelled by the initiator")
    assert ProtocolSession.objects.get().state == "cancelled"
    assert AuditEvent.objects.filter(target_id=str(run.pk)).count() == 1
    run_with_mail()
    cancel = sent_by(world.ceo)[-1]
    assert (cancel.performative, cancel.conversation_id) == ("cancel", run.pk)
    assert beliefs_of(world.cfo)["called_off"] == {"reason": "cancelled by the initiator"}
    [intention] = intentions_of(world.ceo)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "cancelled"
    assert beliefs_of(world.ceo)["cut_failed"] is True
    assert sent_by(world.cfo)[-1].performative == "agree"  # a plan handled the cancel: no not-understood


def test_cancel_of_a_contract_net_cancels_the_open_sessions_only():
    world = World("buyer", "a", "d", beliefs={"a": {"price": 30}})
    world.plans("""
        +!buy : true <- .start_protocol(cfp, [a, d], "desk", Bids, 30, 60); +bids(Bids).
        ^message:cfp(Task, Sender) : belief("price", 0) > 0 <- .send(Sender, propose, belief("price", 0)).
        ^message:cfp(Task, Sender) : belief("price", 0) == 0 <- +heard(Task).
    """)
    world.goal("buyer", "buy")
    run_with_mail()
    run = ProtocolRun.objects.get()
    run_cancel(run=run, by=SYSTEM)
    states = {s.participant.slug: s.state for s in ProtocolSession.objects.select_related("participant")}
    assert states == {"a": "cancelled", "d": "cancelled"}
    assert ProtocolRun.objects.get().state == "cancelled"


def test_cancel_of_a_finished_run_is_a_409_and_writes_nothing():
    world = World("ceo", "cfo")
    world.plans(REQUEST.replace(".send(Sender, agree, null)", ".send(Sender, inform, 1)"))
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "done"
    version, sent = run.version, len(sent_by(world.ceo))
    with pytest.raises(Conflict) as refused:
        run_cancel(run=run, by=SYSTEM)
    assert refused.value.code == "run_finished"
    run.refresh_from_db()
    assert (run.state, run.version) == ("done", version) and len(sent_by(world.ceo)) == sent
    assert not AuditEvent.objects.filter(target_id=str(run.pk)).exists()


def test_cancel_while_the_initiator_is_reasoned_is_a_409_run_busy():
    world = World("ceo", "cfo")
    world.plans(REQUEST)
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    original = hooks._lock[0]
    hooks._lock[0] = lambda ids: set()  # the initiator's runtime row is held by a batch
    try:
        with pytest.raises(Conflict) as refused:
            run_cancel(run=run, by=SYSTEM)
    finally:
        hooks._lock[0] = original
    assert refused.value.code == "run_busy" and ProtocolRun.objects.get().state == "awaiting_result"


def test_a_cancel_message_for_a_run_that_was_not_cancelled_is_not_understood():
    world = World("ceo", "cfo")
    world.plans(REQUEST.replace(".send(Sender, agree, null)", ".send(Sender, inform, 1)"))
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    message_send(organization=world.org, sender_agent=world.ceo, by=SYSTEM, performative="cancel", content=None,
                 to=[world.cfo.pk], conversation_id=run.pk, protocol="fipa-request")
    run_with_mail()
    answer = sent_by(world.cfo)[-1]
    assert answer.performative == "not-understood" and "nothing to cancel" in answer.content["reason"]
    assert "called_off" not in beliefs_of(world.cfo)
