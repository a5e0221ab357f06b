"""The hand-over to internal agents: one message event per delivery, their runtimes woken, a fixed statement count.

The events belong to reasoning; messaging reaches them only through the handler registered in
``agents.messaging.inbox``. Whatever is retried or raced, a delivery is stored once (the unique delivery of
a message event), and it is never acked without being stored.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.messaging import inbox
from agents.messaging.inbox import InboxItem, NoInboxHandler
from agents.messaging.services.delivery import _hand_over, delivery_claim, delivery_dispatch_due
from agents.models import AgentEvent, AgentRuntime, Delivery
from agents.reasoning.events.services import MESSAGE_EVENT_COLUMNS, message_events_store
from tests.support.factories import AgentFactory
from tests.support.messaging import send

pytestmark = pytest.mark.django_db


def test_each_internal_delivery_is_one_message_event_and_wakes_its_agent(alice, bob, carol, external):
    message = send(alice, to=[bob.pk, carol.pk, external.pk]).message
    assert delivery_dispatch_due() == 3
    events = AgentEvent.objects.filter(message=message).order_by("agent__name")
    assert [(e.agent_id, e.kind, e.source, e.args) for e in events] == [
        (bob.pk, "message", "message", {}), (carol.pk, "message", "message", {})]
    assert {e.delivery.recipient_id for e in events} == {bob.pk, carol.pk}
    assert all(AgentRuntime.objects.get(agent=a).wake_at is not None for a in (bob, carol))
    assert not AgentRuntime.objects.filter(agent=external).exists()
    assert AgentRuntime.objects.get(agent=alice).wake_at is None  # the sender has nothing new


@pytest.mark.parametrize("n", [2, 50])
def test_a_hand_over_is_the_same_few_statements_for_any_batch(org, alice, n):
    recipients = [AgentFactory(organization=org) for _ in range(n)]
    send(alice, to=[r.pk for r in recipients])
    rows, _ = delivery_claim(batch_size=500)
    with CaptureQueriesContext(connection) as queries:
        result = _hand_over(rows, timezone.now())
    assert result.acked == n and AgentEvent.objects.filter(kind="message").count() == n
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # The rows it still holds (SELECT ... FOR UPDATE), the events (INSERT), the wake (INSERT ... ON CONFLICT),
    # the acks (UPDATE), inside the hand-over's savepoint (the test's transaction is the outer one).
    assert statements == ["SAVEPOINT", "SELECT", "INSERT", "INSERT", "UPDATE", "RELEASE"], statements


def test_the_events_statement_names_every_column_but_the_sequence():
    assert {name for name, _value in MESSAGE_EVENT_COLUMNS} | {"id"} == {
        field.column for field in AgentEvent._meta.concrete_fields}


def test_the_events_statement_stores_what_the_orm_would_in_the_order_given(alice, bob, carol):
    send(alice, to=[bob.pk, carol.pk])
    send(alice, to=[carol.pk])
    deliveries = list(Delivery.objects.order_by("-seq"))  # not insert order: the order given must win
    items = [InboxItem(d.pk, d.recipient_id, d.message_id) for d in deliveries]
    now = timezone.now()
    message_events_store(items, now)
    stored = list(AgentEvent.objects.filter(kind="message").order_by("id"))
    assert [e.delivery_id for e in stored] == [d.pk for d in deliveries]
    as_orm = AgentEvent(agent_id=bob.pk, kind="message", source="message", delivery_id=None, created_at=now)
    same = ("kind", "args", "source", "source_id", "source_name", "intention_id", "created_at", "consumed_at")
    for event, delivery in zip(stored, deliveries, strict=True):
        assert (event.agent_id, event.message_id) == (delivery.recipient_id, delivery.message_id)
        assert {name: getattr(event, name) for name in same} == {name: getattr(as_orm, name) for name in same}


def test_a_retried_hand_over_stores_nothing_twice_even_past_the_held_check(alice, bob):
    send(alice, to=[bob.pk])
    delivery_dispatch_due()
    items = [InboxItem(d.pk, d.recipient_id, d.message_id) for d in Delivery.objects.all()]
    message_events_store(items, timezone.now())  # as if a second hand-over had got through
    message_events_store(items, timezone.now())
    assert AgentEvent.objects.filter(agent=bob, kind="message").count() == len(items) == 1


def test_without_a_handler_a_hand_over_fails_instead_of_acking_what_nobody_stored(monkeypatch, alice, bob):
    monkeypatch.setattr(inbox, "_handler", [])
    send(alice, to=[bob.pk])
    rows, _ = delivery_claim(batch_size=10)
    with pytest.raises(NoInboxHandler):
        _hand_over(rows, timezone.now())
    assert Delivery.objects.get().status == "dispatched" and not AgentEvent.objects.exists()


def test_a_second_handler_is_refused():
    with pytest.raises(RuntimeError, match="already registered"):
        inbox.inbox_handler_register(lambda items, now: None)
    inbox.inbox_handler_register(message_events_store)  # the same one again changes nothing


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_one_claim_store_each_delivery_once(alice, bob, carol):
    """Two hand-overs of the same claimed rows at the same moment, on two connections: one stores and acks
    them, the other finds them no longer dispatched and hands over nothing."""
    send(alice, to=[bob.pk, carol.pk])
    send(carol, to=[bob.pk])
    rows, _ = delivery_claim(batch_size=10)
    start = threading.Barrier(2)
    results, errors = [], []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            results.append(_hand_over(rows, timezone.now()))
        except Exception as exc:  # reported below, with the thread's own error
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(r.acked for r in results) == [0, 3]
    assert AgentEvent.objects.filter(kind="message").count() == 3
    assert AgentEvent.objects.values("delivery").distinct().count() == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"acked"}
