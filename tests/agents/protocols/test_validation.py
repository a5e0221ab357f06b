"""Routing and validation (issue 14, part 3): a message of a run's conversation is checked against the run
before plan selection. Bad input: a reply from an agent that is not a participant, a second agree, a reply
after the run closed: a ``not-understood`` back, recorded on the run, nothing else changed."""

from __future__ import annotations

import pytest

from agents.messaging.services.send import message_send
from agents.models import IntentionStatus, ProtocolRun
from agents.protocols.services import run_apply
from agents.protocols.transitions import PARTICIPANT, TRANSITIONS
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db

INITIATOR = """
+!cut : true <- .start_protocol(request, cfo, {"cut": 10}, Result, 30, 300); +outcome(Result).
^message:inform(Content) : true <- +plain_inform(Content).
^message:agree(Content) : true <- +plain_agree(Content).
"""


def _world(participant: str) -> World:
    world = World("ceo", "cfo", "cto")
    world.plans(INITIATOR + participant)
    world.goal("ceo", "cut")
    return world


def _in_run(world: World, sender: str, performative: str, content=None):
    run = ProtocolRun.objects.get()
    return message_send(organization=world.org, sender_agent=world.agents[sender], by=SYSTEM,
                        performative=performative, content=content, to=[world.ceo.pk], conversation_id=run.pk,
                        protocol="fipa-request").message


def test_a_reply_from_an_agent_that_is_not_a_participant_gets_not_understood_and_changes_nothing():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, agree, null).""")
    run_with_mail()
    before = ProtocolRun.objects.get()
    assert before.state == "awaiting_result"
    intruder = _in_run(world, "cto", "inform", {"done": True})
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.result, run.phase) == ("awaiting_result", None, "result")
    [entry] = run.rejected
    assert entry["message"] == str(intruder.pk) and entry["sender"] == str(world.cto.pk)
    assert "not a participant" in entry["why"]
    [answer] = sent_by(world.ceo)[1:]
    assert (answer.performative, answer.in_reply_to_id, answer.conversation_id) == \
        ("not-understood", intruder.pk, run.pk)
    assert list(answer.deliveries.values_list("recipient_id", flat=True)) == [world.cto.pk]
    # Checked before plan selection: the initiator's plain ^message:inform plan never saw it.
    assert "plain_inform" not in beliefs_of(world.ceo)
    assert intentions_of(world.ceo)[0].status == IntentionStatus.WAITING
    # The not-understood is not answered with another one.
    assert sent_by(world.cto) == [intruder]


def test_a_second_agree_gets_not_understood_and_the_run_still_waits_for_the_result():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, agree, 1); .send(Sender, agree, 2).""")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_result"
    [entry] = run.rejected
    assert entry["performative"] == "agree" and "not allowed in awaiting result" in entry["why"]
    assert [m.performative for m in sent_by(world.ceo)] == ["request", "not-understood"]
    assert "plain_agree" not in beliefs_of(world.ceo)
    # The participant can still deliver the result.
    _in_run(world, "cfo", "inform", "late but fine")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "done"
    assert beliefs_of(world.ceo)["outcome"] == "late but fine"


def test_a_reply_after_the_run_closed_gets_not_understood():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, refuse, {"reason": "no"}).""")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "refused"
    late = _in_run(world, "cfo", "agree")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "refused" and run.rejected[-1]["message"] == str(late.pk)
    assert "closed" in run.rejected[-1]["why"]
    assert sent_by(world.ceo)[-1].performative == "not-understood"


def test_every_waiting_state_of_the_table_ends_in_a_terminal_state_on_every_path():
    """No path of the table waits forever: every waiting state has a timeout move, and every move leads to a
    waiting state, an open one or a terminal one. An open state (FIPA Subscribe's ``subscribed``) has no
    deadline because nobody waits on it, and the participant's failure always ends it."""
    from agents.protocols.transitions import DEADLINE, OPEN, PARTICIPANT, TERMINAL, TIMEOUT_ACT, WAITING

    for (protocol, state, _performative, _role), target in TRANSITIONS.items():
        assert state in WAITING | OPEN and target in WAITING | OPEN | TERMINAL
        if state in WAITING:
            assert (protocol, state, TIMEOUT_ACT, DEADLINE) in TRANSITIONS
        else:
            assert (protocol, state, TIMEOUT_ACT, DEADLINE) not in TRANSITIONS
            assert TRANSITIONS[(protocol, state, "failure", PARTICIPANT)] in TERMINAL


def test_run_apply_refuses_a_move_the_table_does_not_have_and_records_it(db):
    _world("""^message:request(Content, Sender) <- .send(Sender, agree, null).""")
    run_with_mail()
    run = ProtocolRun.objects.get()
    version = run.version
    outcome = run_apply(run=run, session=None, performative="propose", role=PARTICIPANT, now=run.updated_at)
    assert outcome.verdict == "not_understood" and "allowed: failure, inform" in outcome.why
    assert run.state == "awaiting_result" and run.version == version  # no message: nothing to record


def test_a_reply_in_the_runs_conversation_without_a_protocol_is_still_checked_against_the_run():
    """An external agent answering through the API may leave the protocol field out: the conversation is the
    run's, so the reply is the run's."""
    world = _world("""^message:request(Content, Sender) : belief("never", False) <- +x(1).""")
    world.plans("""^message:request(Content, Sender) : not belief("never", False) <- +waiting(true).""")
    run_with_mail()
    run = ProtocolRun.objects.get()
    message_send(organization=world.org, sender_agent=world.cfo, by=SYSTEM, performative="inform", content=7,
                 to=[world.ceo.pk], conversation_id=run.pk)
    run_with_mail()
    assert ProtocolRun.objects.get().state == "done"
    assert beliefs_of(world.ceo)["outcome"] == 7 and "plain_inform" not in beliefs_of(world.ceo)


def test_a_not_understood_from_the_participant_ends_the_run_failed_and_a_late_one_is_not_answered():
    world = _world("""^message:request(Content, Sender) <- .send(Sender, not-understood, {"reason": "what?"}).""")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("failed", "what?")
    assert intentions_of(world.ceo)[0].error["error"] == "failure"
    _in_run(world, "cfo", "not-understood", "again")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "failed" and run.rejected[-1]["performative"] == "not-understood"
    assert [m.performative for m in sent_by(world.ceo)] == ["request"]  # never answered: no ping-pong
