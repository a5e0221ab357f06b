"""``runs_write``: the cycle's and the sweeper's writes of changed runs and sessions, one UPDATE per table for
any number of rows (the protocols bench found Django's ``bulk_update`` costing ~1 s per batch of 100 runs: its
CASE WHEN per row and field is built in Python), every field written as it is in memory."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import Message, ProtocolRun, ProtocolSession
from agents.protocols.contract_net import cnet_build
from agents.protocols.services import runs_write
from tests.support.factories import AgentFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _runs(count: int, bidders: int = 3) -> tuple[list[ProtocolRun], list[ProtocolSession]]:
    org = OrganizationFactory()
    agents = [AgentFactory(organization=org) for _ in range(bidders + 1)]
    now = timezone.now()
    pairs = []
    for _ in range(count):
        pairs += cnet_build(run_id=uuid.uuid4(), organization_id=org.pk, initiator_id=agents[0].pk,
                            participant_ids=[a.pk for a in agents[1:]], content={"task": "desk"}, intention_id=None,
                            response_timeout=30, result_timeout=60, now=now)
    runs_write(new=pairs, changed=[], sessions=[])
    runs = list(ProtocolRun.objects.filter(initiator=agents[0]).order_by("pk"))
    return runs, list(ProtocolSession.objects.filter(run__in=runs).order_by("pk"))


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.parametrize("count", [2, 40])
def test_changed_runs_and_sessions_are_written_field_by_field_in_one_update_per_table(count):
    runs, sessions = _runs(count)
    later = timezone.now() + datetime.timedelta(seconds=5)
    message = Message.objects.create(organization_id=runs[0].organization_id, sender_agent_id=runs[0].initiator_id,
                                     performative="propose", content=10, created_at=timezone.now())
    for i, run in enumerate(runs):
        run.state, run.phase, run.result_by, run.reason = "done", "closed", later, f"reason {i}"
        run.result = [{"participant": "x", "content": {"price": i, "note": "it's \"quoted\""}}]
        run.rejected = [{"why": "late", "n": i}]
        run.version += 1
        run.updated_at = run.finished_at = later
    for i, session in enumerate(sessions):
        session.state, session.last_message, session.reply_with = "proposed", message, f"r{i}"
        session.content = None if i % 2 else {"price": i}
        session.updated_at = later
    with CaptureQueriesContext(connection) as queries:
        runs_write(new=[], changed=runs, sessions=sessions)
    assert len(_writes(queries)) == 2, _writes(queries)

    for run in runs:
        stored = ProtocolRun.objects.get(pk=run.pk)
        for name in ("state", "phase", "result_by", "result", "reason", "rejected", "version", "updated_at",
                     "finished_at"):
            assert getattr(stored, name) == getattr(run, name), name
    for session in sessions:
        stored = ProtocolSession.objects.get(pk=session.pk)
        assert (stored.state, stored.last_message_id, stored.reply_with, stored.content, stored.updated_at) == (
            session.state, message.pk, session.reply_with, session.content, later)
    with connection.cursor() as cursor:  # None is SQL NULL, as the insert and Django's bulk_update write it
        cursor.execute("SELECT count(*) FROM agents_protocolsession WHERE content IS NULL")
        assert cursor.fetchone()[0] == len(sessions) // 2


def test_unchanged_fields_and_other_rows_are_left_alone_and_a_run_given_twice_is_written_once():
    runs, _sessions = _runs(3)
    first = runs[0]
    later = timezone.now() + datetime.timedelta(seconds=60)
    first.state, first.phase, first.result, first.result_by = "awaiting_decision", "decision", None, later
    twice = ProtocolRun.objects.get(pk=first.pk)
    twice.state, twice.phase, twice.result_by = "awaiting_result", "result", later
    runs_write(new=[], changed=[first, twice], sessions=[])  # the later copy wins, as a second save would
    stored = ProtocolRun.objects.get(pk=first.pk)
    assert (stored.state, stored.phase, stored.result, stored.content) == ("awaiting_result", "result", None,
                                                                           {"task": "desk"})
    assert [r.state for r in ProtocolRun.objects.exclude(pk=first.pk)] == ["awaiting_response"] * 2
    assert {s.state for s in ProtocolSession.objects.all()} == {"awaiting_response"}
    runs_write(new=[], changed=[], sessions=[])  # nothing to write: no statement fails
