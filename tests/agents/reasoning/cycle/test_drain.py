"""``reasoning_drain``: a woken worker's rounds of batches, and the protocol deadlines it fires on the way.

Regression (issue 14 part 9, docs/protocols.md Faults): the beat's ``agents.sweep_protocols`` waits on the
``reasoning`` queue behind the drains; with every child draining, deadlines fired up to 23 s late. A drain
now sweeps the due deadlines between its batches, once a second.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from agents.models import IntentionStatus, ProtocolRun
from agents.reasoning.cycle import drain
from agents.reasoning.cycle.drain import reasoning_drain
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail

pytestmark = pytest.mark.django_db

PLANS = """
+!ask : true <- .start_protocol(request, cfo, {"n": 1}, R, 30, 30); +got(R).
-!ask : true <- +timed_out(true).
^message:request(C, Sender) <- +heard(C).
""" + "+!busy <- " + "; ".join(f"+step({i})" for i in range(30)) + "."


def _asked() -> World:
    world = World("ceo", "cfo", "worker")
    world.plans(PLANS)
    world.goal("ceo", "ask")
    run_with_mail()  # the request sent and heard; cfo never answers
    ProtocolRun.objects.update(response_by=timezone.now() - datetime.timedelta(seconds=1))
    return world


def test_a_drain_fires_a_deadline_that_falls_due_while_it_runs_batches(monkeypatch):
    world = _asked()
    world.goal("worker", "busy")  # thirty batches in a row: the drain keeps running
    monkeypatch.setattr(drain, "PROTOCOL_SWEEP_SECONDS", 0.0)
    cycles = reasoning_drain(time_budget=30, batch_size=10)
    assert cycles >= 30
    run = ProtocolRun.objects.get()
    assert (run.state, run.reason) == ("timeout", "no response before its deadline")
    # The sweep's event was taken by a later batch of the same drain: the step failed, -!ask ran.
    assert beliefs_of(world.ceo)["timed_out"] is True
    assert [i.status for i in intentions_of(world.ceo)] == [IntentionStatus.FAILED]


def test_a_drain_shorter_than_the_sweep_interval_leaves_the_deadline_to_the_beat():
    _asked()
    reasoning_drain(time_budget=30, batch_size=10)  # nothing due: it ends at once, before a second passed
    assert ProtocolRun.objects.get().state == "awaiting_response"
