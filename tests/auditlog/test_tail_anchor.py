"""The anchored head: removing the newest events, or all of them, no longer verifies; the app role cannot truncate.

The tampering here runs as the test cluster's superuser with the triggers
disabled: exactly the power the append-only triggers cannot stop, and the
reason the head is anchored outside the database.
"""

from __future__ import annotations

import io
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from auditlog.actors import Actor
from auditlog.anchor import ANCHOR_KEY, _client, anchor_advance, anchor_read
from auditlog.models import Action, AuditEvent
from auditlog.services import audit_record
from auditlog.verification import ANCHOR_INVALID, TAIL_MISSING, verify_chain
from tests.support.audit import tamper


def record(count: int) -> list[AuditEvent]:
    return [audit_record(action=Action.UPDATE, actor=Actor.system(), target_type="thing", target_id=str(i))
            for i in range(count)]


@pytest.mark.django_db(transaction=True)
def test_each_committed_event_moves_the_anchor_forward():
    events = record(3)
    anchor = anchor_read()
    assert anchor is not None and anchor.signed
    assert (anchor.seq, anchor.hash) == (events[-1].seq, events[-1].hash)


@pytest.mark.django_db(transaction=True)
def test_deleting_the_newest_events_behind_the_triggers_fails_verify_naming_the_missing_tail():
    events = record(5)
    tamper("DELETE FROM auditlog_auditevent WHERE seq > %s", [events[2].seq])
    with pytest.raises(CommandError) as failure:
        call_command("auditlog_verify")
    assert failure.value.returncode == 1
    message = str(failure.value)
    assert f"tail missing: expected seq {events[4].seq}, found {events[2].seq}" in message, message
    assert "2 newest event(s) removed" in message


@pytest.mark.django_db(transaction=True)
def test_an_emptied_chain_with_a_recorded_head_fails_verify():
    events = record(3)
    with connection.cursor() as cursor:  # the suite's superuser connection, opted in to TRUNCATE
        cursor.execute("TRUNCATE auditlog_auditevent")
    result = verify_chain()
    assert not result.ok and result.reason == TAIL_MISSING
    assert f"expected seq {events[-1].seq}, found 0" in result.detail


@pytest.mark.django_db
def test_a_rolled_back_event_never_moves_the_anchor_and_verify_anchors_what_it_verified():
    """Inside the test's transaction nothing commits: the anchor stays empty until a verification seeds it."""
    events = record(2)
    assert anchor_read() is None
    result = verify_chain()
    assert result.ok and "no head anchored yet" in result.anchor_note
    call_command("auditlog_verify", stdout=io.StringIO())
    assert anchor_read().seq == events[-1].seq


@pytest.mark.django_db
def test_the_anchor_never_moves_back_and_a_forged_one_is_refused():
    events = record(3)
    assert anchor_advance(seq=events[2].seq, head_hash=events[2].hash)
    assert not anchor_advance(seq=events[0].seq, head_hash=events[0].hash)  # a late commit
    assert anchor_read().seq == events[2].seq
    _client().hset(ANCHOR_KEY, mapping={"seq": events[1].seq, "hash": events[1].hash, "sig": "0" * 64})
    result = verify_chain()
    assert not result.ok and result.reason == ANCHOR_INVALID


def _connect_as(role: str) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=role, connect_timeout=10,
                           options="-c lock_timeout=5000")


@pytest.fixture
def app_role(transactional_db):
    """A login role holding every privilege on the audit table (TRUNCATE included) but not owning it."""
    role = f"mabos_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(f"GRANT ALL PRIVILEGES ON TABLE auditlog_auditevent TO {role}")
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL PRIVILEGES ON TABLE auditlog_auditevent FROM {role}")
        cursor.execute("DROP ROLE IF EXISTS mabos_audit_admin")
        cursor.execute(f"DROP ROLE {role}")


def _truncate_with_the_escape(role: str) -> None:
    with _connect_as(role) as conn, conn.cursor() as cursor:
        cursor.execute("SET LOCAL mabos.audit_allow_truncate = 'on'")
        cursor.execute("TRUNCATE auditlog_auditevent")
        conn.rollback()  # the permitted case must not wipe the table either


def test_the_app_role_cannot_truncate_even_with_the_escape(app_role):
    record(2)
    with pytest.raises(psycopg.errors.RaiseException, match="TRUNCATE needs a superuser or a member of"):
        _truncate_with_the_escape(app_role)
    assert AuditEvent.objects.count() == 2


def test_a_member_of_mabos_audit_admin_may_truncate_with_the_escape(app_role):
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE mabos_audit_admin NOLOGIN")
        cursor.execute(f"GRANT mabos_audit_admin TO {app_role}")
    _truncate_with_the_escape(app_role)  # no exception; rolled back


@pytest.mark.django_db(transaction=True)
def test_reset_anchor_after_a_deliberate_reset_verifies_again_and_is_recorded():
    record(3)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE auditlog_auditevent")
    out = io.StringIO()
    call_command("auditlog_verify", "--reset-anchor", stdout=out)
    assert "anchored head reset (was seq 3)" in out.getvalue() and "OK: 1 event(s) verified" in out.getvalue()
    assert AuditEvent.objects.get().target_type == "auditlog.anchor"
    assert anchor_read().seq == 1
