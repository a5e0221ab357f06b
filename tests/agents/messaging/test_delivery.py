"""The delivery worker's services in-process: claim, hand-over, ordering, ack/nack, retry, dead letters, sweeper."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import override_settings
from django.utils import timezone

from agents.messaging.services.acks import delivery_ack, delivery_nack
from agents.messaging.services.dead_letters import dead_letter_redeliver
from agents.messaging.services.delivery import delivery_claim, delivery_dispatch_batch, delivery_dispatch_due
from agents.messaging.services.policy import backoff
from agents.messaging.services.states import InvalidDeliveryTransition
from agents.messaging.services.sweeper import delivery_sweep, leases_expire, messages_expire
from agents.models import AgentEvent, AgentStatus, Delivery, Message
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM
from tests.support.messaging import send


def test_internal_deliveries_become_inbox_events_and_are_acked(alice, bob, carol):
    msg = send(alice, to=[bob.pk, carol.pk]).message
    assert delivery_dispatch_due() == 2
    assert set(Delivery.objects.filter(message=msg).values_list("status", flat=True)) == {"acked"}
    assert AgentEvent.objects.filter(message=msg).count() == 2
    assert all(d.delivered_at and d.acked_at and d.attempts == 1 for d in Delivery.objects.all())


def test_a_second_hand_over_of_the_same_delivery_stores_no_second_event(alice, bob):
    send(alice, to=[bob.pk])
    rows, _ = delivery_claim(batch_size=10)
    Delivery.objects.update(status="pending", lease_until=None)  # as if the lease ran out mid-hand-over
    from agents.messaging.services.delivery import _hand_over
    _hand_over(rows, timezone.now())
    delivery_dispatch_due()
    assert AgentEvent.objects.count() == 1
    assert Delivery.objects.get().status == "acked"


def test_external_deliveries_wait_in_the_inbox_for_an_ack(alice, external):
    send(alice, to=[external.pk])
    delivery_dispatch_due()
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.lease_until > timezone.now()
    assert delivery_ack(delivery=delivery, by=SYSTEM).status == "acked"
    assert delivery_ack(delivery=delivery, by=SYSTEM).status == "acked"  # idempotent


def test_per_conversation_order_a_later_message_waits_for_an_earlier_one(alice, external):
    first = send(alice, to=[external.pk]).message
    send(alice, to=[external.pk], conversation_id=first.conversation_id)
    earlier = Delivery.objects.get(message=first)
    Delivery.objects.filter(pk=earlier.pk).update(next_attempt_at=timezone.now() + datetime.timedelta(hours=1))
    delivery_dispatch_due()
    assert Delivery.objects.filter(status="delivered").count() == 0  # the later one waits for the earlier one
    Delivery.objects.filter(pk=earlier.pk).update(next_attempt_at=timezone.now())
    delivery_dispatch_due()
    inbox = list(Delivery.objects.filter(status="delivered").order_by("delivered_at", "sent_at"))
    assert next(d.message_id for d in inbox) == first.pk and len(inbox) == 2


def test_a_message_held_by_another_worker_blocks_its_successors(alice, external):
    first = send(alice, to=[external.pk]).message
    send(alice, to=[external.pk], conversation_id=first.conversation_id)
    rows, _deferred = delivery_claim(batch_size=1)  # another worker claims only the first
    assert [r.message_id for r in rows] == [first.pk]
    rows2, _deferred2 = delivery_claim(batch_size=10)
    assert rows2 == []  # the successor may not overtake it


def test_failures_back_off_then_dead_letter_with_a_failure_notice(fast_retries, alice, bob):
    msg = send(alice, to=[bob.pk]).message
    bob.status = AgentStatus.STOPPED
    bob.save()
    delivery_dispatch_due()
    delivery = Delivery.objects.get(message=msg)
    assert delivery.status == "failed" and delivery.last_error == "recipient is stopped"
    delivery_dispatch_due()
    delivery.refresh_from_db()
    assert delivery.status == "dead" and "gave up after 2" in delivery.last_error
    notice = Message.objects.get(performative="failure")
    assert notice.conversation_id == msg.conversation_id and notice.in_reply_to_id == msg.pk
    assert list(notice.deliveries.values_list("recipient_id", flat=True)) == [alice.pk]
    assert AuditEvent.objects.filter(target_id=str(delivery.pk), note="dead-lettered").count() == 1
    with pytest.raises(InvalidDeliveryTransition) as excinfo:
        delivery_ack(delivery=delivery, by=SYSTEM)
    assert excinfo.value.code == "delivery_dead"


def test_redelivery_requeues_and_is_audited(fast_retries, alice, bob):
    send(alice, to=[bob.pk])
    bob.status = AgentStatus.STOPPED
    bob.save()
    delivery_dispatch_due()
    delivery_dispatch_due()
    dead = Delivery.objects.get(recipient=bob)
    bob.status = AgentStatus.ACTIVE
    bob.save()
    assert dead_letter_redeliver(deliveries=[dead], by=SYSTEM) == 1
    dead.refresh_from_db()
    assert dead.status == "pending" and dead.attempts == 0
    assert AuditEvent.objects.filter(target_id=str(dead.pk), note__startswith="redelivered").count() == 1
    delivery_dispatch_due()
    dead.refresh_from_db()
    assert dead.status == "acked"


def test_nack_requeues_with_backoff_or_dead_letters(fast_retries, alice, external):
    send(alice, to=[external.pk])
    send(alice, to=[external.pk])
    delivery_dispatch_due()
    first, second = Delivery.objects.order_by("sent_at")
    assert delivery_nack(delivery=first, by=SYSTEM, reason="busy", requeue=True).status == "failed"
    assert delivery_nack(delivery=second, by=SYSTEM, reason="cannot parse", requeue=False).status == "dead"
    second.refresh_from_db()
    assert second.last_error == "cannot parse"


def test_backoff_is_exponential_with_jitter_and_capped():
    with override_settings(MESSAGING={"BACKOFF_BASE_SECONDS": 1.0, "BACKOFF_CAP_SECONDS": 10.0}):
        delays = [backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)]
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2 and 2 <= delays[2] <= 4 and 4 <= delays[3] <= 8
    assert 5 <= delays[4] <= 10


def test_the_sweeper_returns_expired_leases_and_expires_messages(fast_retries, alice, bob, carol, external):
    send(alice, to=[bob.pk])
    delivery_claim(batch_size=10)  # a worker that then died
    Delivery.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert leases_expire()["requeued"] == 1
    assert Delivery.objects.get().status == "pending"
    soon = timezone.now() + datetime.timedelta(seconds=30)  # moved into the past below
    late = send(alice, to=[carol.pk], expires_at=soon).message
    Delivery.objects.filter(message=late).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert messages_expire() == 1
    figures = delivery_sweep(time_budget=1)
    assert figures["dispatched"] == 1
    assert Delivery.objects.get(message=late).status == "expired"
    assert not AgentEvent.objects.filter(message=late).exists()


def test_an_unacked_external_delivery_goes_back_to_pending(fast_retries, alice, external):
    send(alice, to=[external.pk])
    delivery_dispatch_batch()
    Delivery.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    assert leases_expire()["requeued"] == 1
    delivery_dispatch_batch()
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 2


@override_settings(MESSAGING={"BACKOFF_BASE_SECONDS": 10.0, "BACKOFF_CAP_SECONDS": 300.0, "MAX_ATTEMPTS": 8,
                              "LEASE_SECONDS": 30.0, "ACK_TIMEOUT_SECONDS": 300.0, "BATCH_SIZE": 500})
@pytest.mark.parametrize("external_recipient", [False, True], ids=["worker lost", "ack timeout"])
def test_a_lease_that_ran_out_is_retried_after_the_backoff_not_at_once(alice, bob, external, external_recipient):
    """A lease that runs out is a failed attempt: its retry waits backoff(attempts), like a nack's."""
    recipient = external if external_recipient else bob
    send(alice, to=[recipient.pk])
    if external_recipient:
        delivery_dispatch_batch()  # in the inbox, never acked
    else:
        delivery_claim(batch_size=10)  # a worker that then died
    Delivery.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    before = timezone.now()
    assert leases_expire()["requeued"] == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at >= before + datetime.timedelta(seconds=5)  # upper half of 10 s · 2^0
    assert delivery_dispatch_batch().claimed == 0  # not retried at once
    later = timezone.now() + datetime.timedelta(seconds=11)
    assert [r.id for r in delivery_claim(batch_size=10, now=later)[0]] == [delivery.pk]


@override_settings(MESSAGING={"WAKEUP_LINGER_SECONDS": 0.0, "BATCH_SIZE": 500})
def test_the_delivery_task_delivers_everything_and_takes_its_wakeup(alice, bob, carol, monkeypatch):
    """Sends that found the wake-up pending published nothing: the task that owns it must deliver them, and
    leave no wake-up pending behind it, or the next send would wait for the sweeper. The last send here lands
    after the task's first round and just before it takes the wake-up: the second round must pick it up."""
    from agents import tasks
    from agents.messaging.services import delivery, wakeup

    client = wakeup._redis()
    client.set(wakeup.WAKEUP_KEY, b"1", px=wakeup.WAKEUP_TTL_MS)  # a wake-up published and not yet taken
    for sender, recipient in ((alice, bob), (bob, carol)):
        send(sender, to=[recipient.pk])
    take = delivery.wakeup_taken

    def late_send_then_take() -> None:
        assert client.exists(wakeup.WAKEUP_KEY) == 1  # still pending: this send publishes nothing
        send(carol, to=[alice.pk])
        take()

    monkeypatch.setattr(delivery, "wakeup_taken", late_send_then_take)
    assert tasks.deliver_due() == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {"acked"}
    assert client.exists(wakeup.WAKEUP_KEY) == 0


def test_the_delivery_queue_is_vacuumed_often():
    """A queue table: autovacuum after 1 % of it is dead, not PostgreSQL's default 20 %."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'agents_delivery'")
        options = set(cursor.fetchone()[0] or [])
    assert {"autovacuum_vacuum_scale_factor=0.01", "autovacuum_analyze_scale_factor=0.02"} <= options


def test_a_claim_walks_the_claim_index_in_order(alice, bob):
    """The claim turns bitmap scans off for its transaction, so it reads the claim index in order (and marks
    the entries of rows that left the queue dead) instead of collecting and sorting every candidate row."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from agents.messaging.services.delivery import _CLAIM, CLAIM_SETTINGS

    send(alice, to=[bob.pk])
    with CaptureQueriesContext(connection) as queries:
        assert len(delivery_claim(batch_size=10)[0]) == 1
    statements = [q["sql"].strip() for q in queries.captured_queries]
    claim = next(i for i, sql in enumerate(statements) if sql.startswith("WITH due AS"))
    assert statements[claim - 1] == CLAIM_SETTINGS and "'enable_bitmapscan', 'off', true" in CLAIM_SETTINGS
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny: take its size out of the plan
        cursor.execute("EXPLAIN " + _CLAIM, {"now": now, "limit": 500, "lease": now})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using delivery_claim_idx" in plan and "Bitmap" not in plan and "Sort" not in plan


@pytest.mark.django_db(transaction=True)
def test_a_claim_commits_without_waiting_for_its_flush_and_only_the_claim(alice, bob):
    """synchronous_commit is off for the claim's transaction alone (here the block around it, which the
    claim joins): the session's own setting is back afterwards, so the hand-over still commits durably."""
    from django.db import connection, transaction

    def synchronous_commit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    send(alice, to=[bob.pk])
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = on")  # the test server runs with it off
    with transaction.atomic():
        assert len(delivery_claim(batch_size=10)[0]) == 1
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"
    assert delivery_dispatch_batch().claimed == 0 and Delivery.objects.get().status == "dispatched"


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def test_the_claim_probes_its_ordering_indexes_whatever_the_statistics_said(alice, bob, carol):
    """The idle state: the queue table analyzed while empty, then a backlog. Every read of the delivery table
    in the claim and in the blockers query must be an index probe keyed by the candidate row, never a scan of
    a whole index or of the table (which made a 100,000-message backlog drain quadratically).

    All of it inside the test's transaction: nothing commits, so no worker of the suite is woken to deliver
    (a worker holding row locks would deadlock with a transactional test's flush)."""
    from django.db import connection, transaction

    from agents.messaging.services.batch import message_send_batch
    from agents.messaging.services.delivery import _BLOCKERS, _CLAIM

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE agents_delivery")  # empty: the statistics a planner sees after an idle night
    agents = [alice, bob, carol]
    for base in range(0, 3000, 500):
        message_send_batch(organization=alice.organization, by=SYSTEM, messages=[
            {"sender_agent": agents[(base + i) % 3], "performative": "inform", "content": {"n": i},
             "to": [agents[(base + i + 1) % 3].pk]} for i in range(500)])
    now = timezone.now()
    sample = list(Delivery.objects.values_list("id", "conversation_id", "recipient_id")[:500])
    params = {"ids": [r[0] for r in sample], "convs": [r[1] for r in sample], "recips": [r[2] for r in sample]}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plans = {}
        for name, sql, args in (("claim", _CLAIM, {"now": now, "limit": 500, "lease": now}),
                                ("blockers", _BLOCKERS, params)):
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, args)
            plans[name] = list(_plan_nodes(cursor.fetchone()[0][0]["Plan"]))
    for name, nodes in plans.items():
        reads = [n for n in nodes if n.get("Relation Name") == "agents_delivery" and n["Node Type"] != "ModifyTable"]
        assert reads, name
        for node in reads:
            assert node["Node Type"] in ("Index Scan", "Index Only Scan"), (name, node["Node Type"])
            # The claim's own ordered walk, rows by id, and the in-flight index (it holds only the rows
            # workers hold right now: at most workers x batch size, whatever the backlog) may be read whole.
            if node.get("Index Name") not in ("delivery_claim_idx", "agents_delivery_pkey", "delivery_inflight_idx"):
                # A probe keyed by the candidate's own (conversation or) recipient, never a whole index.
                assert re.search(r"recipient_id = (d_1|d|p|unnest)\.\w+", node.get("Index Cond", "")), \
                    (name, node.get("Index Name"), node.get("Index Cond"))
