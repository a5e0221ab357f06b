"""The outbox write (one SQL statement on PostgreSQL) stores exactly what the ORM would."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from agents.messaging.services import outbox
from agents.messaging.services import send as send_module
from agents.messaging.services.batch import message_send_batch
from agents.messaging.services.send import message_send
from agents.models import Delivery, Message
from tests.support.actors import SYSTEM
from tests.support.api import create_user

EVERY_FIELD = {
    "performative": "propose", "content": {"price": 12.5, "items": ["ä", None, True], "nested": {"k": []}},
    "ontology": "trade", "language": "json", "protocol": "fipa-contract-net", "reply_with": "offer-1",
    "priority": -7, "idempotency_key": "every-field-1",
}


def _columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields}


def test_the_statement_names_every_column_of_both_tables():
    assert {name for name, _type in outbox.MESSAGE_COLUMNS} == _columns(Message)
    assert {name for name, _value in outbox.DELIVERY_COLUMNS} == _columns(Delivery)


def _row(message: Message) -> dict:
    skip = {"id", "created_at", "conversation_id", "idempotency_key"}
    return {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields if f.attname not in skip}


def _deliveries(message: Message) -> list[dict]:
    """The deliveries' columns, the three times taken from the message checked and left out (``seq``, the
    database's numbering, is checked on its own)."""
    skip = {"id", "message_id", "sent_at", "next_attempt_at", "updated_at", "seq"}
    rows = list(Delivery.objects.filter(message=message).order_by("recipient_id"))
    assert all(d.sent_at == d.next_attempt_at == d.updated_at == message.created_at for d in rows)
    return [{f.attname: getattr(d, f.attname) for f in Delivery._meta.concrete_fields if f.attname not in skip}
            for d in rows]


@pytest.mark.parametrize("content", [EVERY_FIELD["content"], None, [], "plain text", 0])
def test_sql_and_orm_paths_store_the_same_rows(alice, bob, carol, content):
    """The same drafts written by the SQL statement and by the ORM path read back identically (the ORM path is
    what SQLite runs); a message with no recipient writes no delivery."""
    later = timezone.now() + datetime.timedelta(hours=1)
    parent = message_send(organization=alice.organization, sender_agent=alice, by=SYSTEM, performative="cfp",
                          to=[bob.pk]).message

    def messages(key: str) -> list[Message]:
        fields = {**EVERY_FIELD, "content": content, "idempotency_key": key}
        return [Message(organization=alice.organization, sender_agent=bob, conversation_id=parent.conversation_id,
                        in_reply_to=parent, reply_by=later, expires_at=later, recipient_count=2,
                        created_at=timezone.now(), **fields),
                Message(organization=alice.organization, sender_agent=bob, performative="inform",
                        conversation_id=uuid.uuid4(), recipient_count=0, created_at=timezone.now())]

    by_sql, by_orm = messages("sql"), messages("orm")
    with transaction.atomic():
        outbox.outbox_write(by_sql, [[alice.pk, carol.pk], []])
        outbox.write_with_orm(by_orm, [[alice.pk, carol.pk], []])
    for sql, orm in zip(by_sql, by_orm, strict=True):
        stored_sql, stored_orm = Message.objects.get(pk=sql.pk), Message.objects.get(pk=orm.pk)
        assert _row(stored_sql) == _row(orm) == _row(stored_orm)
        assert stored_sql.created_at == sql.created_at
        assert _deliveries(stored_sql) == _deliveries(stored_orm)
    first = _deliveries(Message.objects.get(pk=by_sql[0].pk))
    assert [d["recipient_id"] for d in first] == sorted([alice.pk, carol.pk])
    assert all(d["status"] == "pending" and d["conversation_id"] == parent.conversation_id and d["priority"] == -7
               and d["expires_at"] == later for d in first)
    assert not Delivery.objects.filter(message_id=by_sql[1].pk).exists()
    # Both paths number deliveries in the order given, after everything written before them.
    by_sql_seq = [Delivery.objects.get(message=by_sql[0], recipient=pk).seq for pk in (alice.pk, carol.pk)]
    by_orm_seq = [Delivery.objects.get(message=by_orm[0], recipient=pk).seq for pk in (alice.pk, carol.pk)]
    parent_seq = Delivery.objects.get(message=parent).seq
    assert parent_seq < by_sql_seq[0] < by_sql_seq[1] < by_orm_seq[0] < by_orm_seq[1]
    assert Message.objects.get(pk=by_sql[0].pk).content == content  # JSON null is not SQL NULL's twin here


def test_a_draft_becomes_the_message_its_constructor_would_build(alice, bob, django_assert_num_queries):
    parent = message_send(organization=alice.organization, sender_agent=alice, by=SYSTEM, performative="cfp",
                          to=[bob.pk]).message
    draft = outbox.Draft(sender_agent=bob, sender_user=None, key="k", performative="propose", content={"p": 1},
                         texts={"ontology": "o", "language": "l", "protocol": "p", "topic": "t", "reply_with": "r"},
                         priority=3, expires_at=None, reply_by=timezone.now(), spec=outbox.RecipientSpec(),
                         conversation=parent.conversation_id, parent=parent, recipient_ids=[alice.pk])
    now = timezone.now()
    fast = outbox._message(alice.organization, draft, now)
    built = Message(organization=alice.organization, sender_agent=bob, sender_user=None, performative="propose",
                    content={"p": 1}, conversation_id=parent.conversation_id, in_reply_to=parent,
                    reply_by=draft.reply_by, priority=3, expires_at=None, idempotency_key="k", recipient_count=1,
                    created_at=now, **draft.texts)
    assert {f.attname: getattr(fast, f.attname) for f in Message._meta.concrete_fields if f.attname != "id"} == {
        f.attname: getattr(built, f.attname) for f in Message._meta.concrete_fields if f.attname != "id"}
    assert fast.id != built.id and fast._state.adding
    with django_assert_num_queries(0):
        assert (fast.sender_agent, fast.organization, fast.in_reply_to, fast.sender_user) == (
            bob, alice.organization, parent, None)


@pytest.mark.parametrize("shared", [True, False])
def test_a_batch_with_shared_and_distinct_values_stores_each_message_as_given(org, alice, bob, carol, shared):
    """The many-message statement sends a value every message shares once, and the created_at of
    drafts_insert (one microsecond apart) as its start: what is stored is still each message's own."""
    later = timezone.now() + datetime.timedelta(hours=1)
    items = [{"sender_agent": alice if shared or n % 2 else bob, "performative": "inform" if shared else "cfp",
              "content": {"n": n}, "to": [carol.pk], "topic": "" if shared else f"t{n}", "priority": 0 if shared else n,
              "expires_at": later if shared or n else None, "ontology": "o", "conversation_id": None}
             for n in range(4)]
    results = message_send_batch(organization=org, by=SYSTEM, messages=items)
    for result in results:
        stored = Message.objects.get(pk=result.message.pk)
        assert {f.attname: getattr(stored, f.attname) for f in Message._meta.concrete_fields} == {
            f.attname: getattr(result.message, f.attname) for f in Message._meta.concrete_fields}
    created = [r.message.created_at for r in results]
    assert created == [created[0] + datetime.timedelta(microseconds=i) for i in range(4)]
    assert [d.recipient_id for d in Delivery.objects.filter(message__in=[r.message for r in results])] == [carol.pk] * 4


def test_one_statement_per_send_and_per_batch(org, alice, bob, carol, django_assert_num_queries):
    # Single send: BEGIN, recipients, the write, COMMIT.
    with django_assert_num_queries(4):
        message_send(organization=org, sender_agent=alice, by=SYSTEM, performative="inform", to=[bob.pk, carol.pk])
    items = [{"sender_agent": alice, "performative": "inform", "content": {"n": n}, "to": [bob.pk, carol.pk]}
             for n in range(50)]
    with django_assert_num_queries(4):
        results = message_send_batch(organization=org, by=SYSTEM, messages=items)
    assert len(results) == 50 and Delivery.objects.filter(message__in=[r.message for r in results]).count() == 100


@pytest.mark.django_db(transaction=True)
def test_a_send_outside_any_transaction_is_two_statements_and_committed(org, alice, bob, carol):
    """No BEGIN, no COMMIT: the recipients' read, then the outbox statement, which commits by itself (and the
    wake-up is published once it has). An idempotency key adds its look-up, and a repeat writes nothing."""
    with CaptureQueriesContext(connection) as ctx:
        result = message_send(organization=org, sender_agent=alice, by=SYSTEM, performative="inform",
                              to=[bob.pk, carol.pk])
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT", "WITH"]
    assert not connection.in_atomic_block and connection.get_autocommit()
    assert Delivery.objects.filter(message=result.message).count() == 2
    keyed = {"organization": org, "sender_agent": alice, "by": SYSTEM, "performative": "inform", "to": [bob.pk],
             "idempotency_key": "once"}
    with CaptureQueriesContext(connection) as ctx:
        first = message_send(**keyed)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT", "SELECT", "WITH"]
    again = message_send(**keyed)
    assert first.created and not again.created and again.message.pk == first.message.pk
    assert Message.objects.filter(sender_agent=alice, idempotency_key="once").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_lost_idempotency_race_outside_a_transaction_returns_the_winner(org, alice, bob, monkeypatch):
    """The look-up missed a concurrent send with the same key (simulated: it reports nothing the first time);
    the statement then fails on the unique index and the winner is returned, nothing written twice."""
    winner = message_send(organization=org, sender_agent=alice, by=SYSTEM, performative="inform", to=[bob.pk],
                          idempotency_key="race").message
    real, calls = send_module.existing, []

    def blind_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(send_module, "existing", blind_first)
    result = message_send(organization=org, sender_agent=alice, by=SYSTEM, performative="inform", to=[bob.pk],
                          idempotency_key="race")
    assert not result.created and result.message.pk == winner.pk and len(calls) == 2
    assert Message.objects.filter(idempotency_key="race").count() == 1


def test_a_person_speaking_as_themselves_is_stored_as_the_sender_user(org, bob):
    person = create_user()
    assign_perm("view_organization", person, org)  # a person addresses only agents they may see
    message = message_send(organization=org, by=person, performative="inform", to=[bob.pk]).message
    stored = Message.objects.get(pk=message.pk)
    assert stored.sender_user_id == person.pk and stored.sender_agent_id is None


def test_a_failed_write_leaves_nothing(org, alice, bob):
    """One bad row (a priority the CHECK constraint refuses) fails the statement: no message, no delivery."""
    rows = [Message(organization=org, sender_agent=alice, performative="inform", conversation_id=uuid.uuid4(),
                    recipient_count=1, created_at=timezone.now(), priority=priority) for priority in (0, 500)]
    with pytest.raises(IntegrityError, match="message_priority_range"), transaction.atomic():
        outbox.outbox_write(rows, [[bob.pk], [bob.pk]])
    assert not Message.objects.exists() and not Delivery.objects.exists()
