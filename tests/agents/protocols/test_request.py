"""FIPA Request between two internal agents, end to end (issue 14, part 2): the initiator's ``start_protocol``
step, the participant's plans, the run's states, and the intention resumed with the result or failed."""

from __future__ import annotations

import pytest

from agents.models import IntentionStatus, ProtocolRun, ProtocolSession
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

INITIATOR = """
+!cut : true <- .start_protocol(request, cfo, {"cut": 10}, Result); +outcome(Result).
-!cut : true <- +cut_failed(true).
"""


def _world(participant: str) -> World:
    world = World("ceo", "cfo")
    world.plans(INITIATOR + participant)
    return world


def test_request_agree_then_inform_result_resumes_the_initiator_with_the_result():
    world = _world("""
        ^message:request(Content, Sender) <- .send(Sender, agree, null);
                                             .send(Sender, inform, {"done": Content}).
    """)
    world.goal("ceo", "cut")
    run_with_mail()
    [run] = ProtocolRun.objects.all()
    assert (run.protocol, run.performative, run.state, run.phase) == ("fipa-request", "request", "done", "closed")
    assert run.initiator_id == world.ceo.pk and run.result == {"done": {"cut": 10}} and run.rejected == []
    assert run.result_by is not None and run.finished_at is not None
    [session] = ProtocolSession.objects.all()
    assert session.participant_id == world.cfo.pk and session.state == "done"
    assert beliefs_of(world.ceo)["outcome"] == {"done": {"cut": 10}}
    assert [i.status for i in intentions_of(world.ceo)] == [IntentionStatus.ACHIEVED]
    [request] = sent_by(world.ceo)
    assert request.conversation_id == run.pk and request.protocol == "fipa-request"
    assert request.reply_by == run.response_by
    replies = sent_by(world.cfo)
    assert [m.performative for m in replies] == ["agree", "inform"]
    assert all(m.conversation_id == run.pk and m.protocol == "fipa-request" for m in replies)


def test_an_inform_without_an_agree_closes_the_run_too():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, inform, "ok").""")
    world.goal("ceo", "cut")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "done"
    assert beliefs_of(world.ceo)["outcome"] == "ok"


def test_a_refuse_fails_the_step_with_refused_and_its_reason():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, refuse, {"reason": "over_budget"}).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("refused", "over_budget")
    assert beliefs_of(world.ceo)["cut_failed"] is True
    [intention] = intentions_of(world.ceo)
    assert intention.status == IntentionStatus.FAILED
    assert intention.error["error"] == "refused" and "over_budget" in intention.error["message"]


def test_a_failure_after_an_agree_fails_the_step_with_failure():
    world = _world("""
        ^message:request(Content, Sender) <- .send(Sender, agree, null); .send(Sender, failure, {"reason": "broke"}).
    """)
    world.goal("ceo", "cut")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "failed"
    assert intentions_of(world.ceo)[0].error["error"] == "failure"


def test_a_participant_with_no_applicable_plan_refuses_with_no_plan():
    world = _world("""^message:request(Content, Sender) : belief("never", False) <- .send(Sender, agree, null).""")
    world.goal("ceo", "cut")
    run_with_mail()
    [refusal] = sent_by(world.cfo)
    assert (refusal.performative, refusal.content, refusal.protocol) == ("refuse", {"reason": "no_plan"},
                                                                          "fipa-request")
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("refused", "no_plan")
    assert intentions_of(world.ceo)[0].error["error"] == "refused"


def test_the_run_id_is_the_conversation_and_is_derived_from_the_step():
    """A replayed cycle makes the same run id (uuid5 of the step's key), so it finds its own run."""
    from agents.protocols.services import run_id_for

    world = _world("""^message:request(Content, Sender) <- .send(Sender, inform, 1).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    intention = intentions_of(world.ceo)[0]
    assert run.intention_id == intention.id
    assert run.pk == run_id_for(f"intention:{intention.id}:1")
