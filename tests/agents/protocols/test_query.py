"""FIPA Query (issue 14, part 2): query-ref answered by inform, query-if refused, both through the same run."""

from __future__ import annotations

import pytest

from agents.models import ProtocolRun
from tests.support.reasoning import World, beliefs_of, intentions_of, run_with_mail, sent_by

pytestmark = pytest.mark.django_db


def test_a_query_ref_answered_by_inform_binds_the_answer():
    world = World("ceo", "cfo", beliefs={"cfo": {"cash": 1200}})
    world.plans("""
        +!know_cash : true <- .start_protocol(query-ref, cfo, "cash", Cash); +cash_seen(Cash).
        ^message:query-ref(What, Sender) : true <- .send(Sender, inform, {"cash": cash}).
    """)
    world.goal("ceo", "know_cash")
    run_with_mail()
    run = ProtocolRun.objects.get()
    assert (run.protocol, run.performative, run.state, run.content) == ("fipa-query", "query-ref", "done", "cash")
    assert beliefs_of(world.ceo)["cash_seen"] == {"cash": 1200}
    assert [m.performative for m in sent_by(world.cfo)] == ["inform"]


def test_a_query_if_with_agree_then_inform():
    world = World("ceo", "cfo")
    world.plans("""
        +!ask : true <- .start_protocol(query-if, cfo, {"solvent": True}, Answer); +answer(Answer).
        ^message:query-if(What, Sender) : true <- .send(Sender, agree, null); .send(Sender, inform, True).
    """)
    world.goal("ceo", "ask")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "done"
    assert beliefs_of(world.ceo)["answer"] is True


def test_a_refused_query_fails_with_refused():
    world = World("ceo", "cfo")
    world.plans("""
        +!ask : true <- .start_protocol(query-ref, cfo, "salaries", X).
        ^message:query-ref(What, Sender) : true <- .send(Sender, refuse, {"reason": "confidential"}).
    """)
    world.goal("ceo", "ask")
    run_with_mail()
    assert ProtocolRun.objects.get().state == "refused"
    error = intentions_of(world.ceo)[0].error
    assert error["error"] == "refused" and "confidential" in error["message"]
