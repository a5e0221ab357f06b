"""Append-only: neither the ORM nor raw SQL can change or remove an audit event."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from auditlog.actors import Actor
from auditlog.models import Action, AppendOnlyError, AuditEvent
from auditlog.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> AuditEvent:
    return audit_record(action=Action.CREATE, actor=Actor.system(), target_type="thing", target_id="1")


def test_an_event_cannot_be_saved_again(event):
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_refuse(event):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["note"])
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_events_are_written_only_through_the_chain():
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.create(seq=1, action="create", actor_type="system", prev_hash="0" * 64,
                                  hash="f" * 64, key_id="dev", occurred_at="2026-01-01T00:00:00Z")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=1)])
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("sql", [
    "UPDATE auditlog_auditevent SET note = 'forged' WHERE id = %s",
    "DELETE FROM auditlog_auditevent WHERE id = %s",
])
def test_the_database_rejects_raw_update_and_delete(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_the_database_rejects_truncate_unless_the_session_opts_in(event):
    def truncate() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            # The test suite's connections opt in (so flush works); this transaction opts back out.
            cursor.execute("SET LOCAL mabos.audit_allow_truncate = 'off'")
            cursor.execute("TRUNCATE auditlog_auditevent")

    with pytest.raises(DatabaseError, match="append-only"):
        truncate()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_rejects_an_update_bypassing_the_queryset(event):
    """Even Django's own lowest-level update path (used by save(update_fields)) hits the trigger."""
    from django.db.models.sql import UpdateQuery
    from django.db.models.sql.constants import CURSOR

    query = UpdateQuery(AuditEvent)
    query.add_update_values({"note": "forged"})
    query.add_filter("pk", event.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        query.get_compiler(using="default").execute_sql(CURSOR)
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_str_names_sequence_action_actor_and_target(event):
    assert str(event) == f"#{event.seq} create by system thing:1"
