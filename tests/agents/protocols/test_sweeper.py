"""Deadlines (issue 14, part 4): the sweeper fires the timeout of each waiting phase and wakes the
initiator's intention, which fails with ``timeout``: no wait is infinite, not even for the result after an
agree (JADE's AchieveRE waits for it forever)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import AgentEvent, IntentionStatus, ProtocolRun, ProtocolSession
from agents.protocols import hooks
from agents.protocols.sweeper import protocols_sweep
from tests.support.polling import wait_until
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail

pytestmark = pytest.mark.django_db

INITIATOR = """
+!cut : true <- .start_protocol(request, cfo, {"cut": 10}, Result, 30, 600); +outcome(Result).
-!cut : true <- +cut_failed(true).
"""


def _later(seconds: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=seconds)


def test_no_answer_times_the_response_phase_out_and_fails_the_step_with_timeout():
    world = World("ceo", "cfo")
    world.plans(INITIATOR + """^message:request(Content, Sender) : belief("answers", False) <- .send(Sender, agree, 1).
        ^message:request(Content, Sender) : not belief("answers", False) <- +ignored(true).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_response"
    assert protocols_sweep(now=_later(29)) == 0  # not yet
    assert protocols_sweep(now=_later(31)) == 1
    run.refresh_from_db()
    assert (run.state, run.phase) == ("timeout", "closed") and "response" in run.reason
    assert ProtocolSession.objects.get().state == "timeout"
    event = AgentEvent.objects.get(agent=world.ceo, kind="protocol")
    assert event.args["run"] == str(run.pk) and event.intention_id == run.intention_id
    run_with_mail()
    [intention] = intentions_of(world.ceo)
    assert intention.status == IntentionStatus.FAILED and intention.error["error"] == "timeout"
    assert beliefs_of(world.ceo)["cut_failed"] is True
    assert protocols_sweep(now=_later(60)) == 0  # closed: nothing fires twice


def test_an_agree_with_no_result_times_the_result_phase_out():
    world = World("ceo", "cfo")
    world.plans(INITIATOR + """^message:request(Content, Sender) <- .send(Sender, agree, null).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert run.state == "awaiting_result" and run.result_by is not None
    assert protocols_sweep(now=_later(120)) == 0  # the response deadline is no longer the one in force
    assert protocols_sweep(now=run.result_by + datetime.timedelta(seconds=1)) == 1
    run.refresh_from_db()
    assert run.state == "timeout" and "result" in run.reason
    run_with_mail()
    assert intentions_of(world.ceo)[0].error["error"] == "timeout"


def test_an_initiator_being_reasoned_is_skipped_and_swept_next_time():
    """The sweeper locks the initiator's runtime row SKIP LOCKED (as the claim does): a run whose initiator a
    batch holds is left alone, never written by two at once."""
    world = World("ceo", "cfo")
    world.plans(INITIATOR + """^message:request(Content, Sender) <- .send(Sender, agree, null).""")
    world.goal("ceo", "cut")
    run_with_mail()
    held = []
    original = hooks._lock[0]
    hooks._lock[0] = lambda ids: held.append(ids) or set()  # every owner busy
    try:
        assert protocols_sweep(now=_later(10_000)) == 0
    finally:
        hooks._lock[0] = original
    assert held == [[world.ceo.pk]]
    assert protocols_sweep(now=_later(10_000)) == 1


def test_a_deadline_fires_within_two_seconds_of_its_time():
    world = World("ceo", "cfo")
    world.plans("""+!cut : true <- .start_protocol(request, cfo, null, R, 1, 1).
                   ^message:request(Content, Sender) <- +ignored(true).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    wait_until(lambda: protocols_sweep() or ProtocolRun.objects.get().state == "timeout", timeout=5, interval=0.2,
               message="the response deadline fired")
    run.refresh_from_db()
    assert run.state == "timeout"
    assert run.finished_at - run.response_by < datetime.timedelta(seconds=2)


def test_a_protocol_event_posted_by_someone_else_does_not_end_the_wait():
    """Events can be posted through the API; a forged ``protocol`` event neither resumes the intention with a
    made-up result nor fails it: only the sweeper's own (and the participant's checked replies) count."""
    from agents.reasoning.events.services import agent_event_post
    from tests.support.actors import SYSTEM

    world = World("ceo", "cfo")
    world.plans(INITIATOR + """^message:request(Content, Sender) <- .send(Sender, agree, null).""")
    world.goal("ceo", "cut")
    run_with_mail()
    run = ProtocolRun.objects.get()
    for state in ("done", "timeout"):
        agent_event_post(agent=world.ceo, kind="protocol", by=SYSTEM,
                         args={"run": str(run.pk), "state": state, "result": "forged"})
    run_with_mail()
    assert intentions_of(world.ceo)[0].status == IntentionStatus.WAITING
    assert "outcome" not in beliefs_of(world.ceo)
