"""A worker that stalls between its claim and its hand-over, past its lease (forced interleaving).

The stall is forced: the real ``delivery_claim`` runs, then, before ``delivery_dispatch_batch`` hands the
batch over, the lease runs out and the sweeper (and maybe another worker) acts on the rows. The stalled
hand-over must then change nothing: the rows are no longer this worker's.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from agents.messaging.services import delivery as worker
from agents.messaging.services.delivery import _hand_over, delivery_claim, delivery_dispatch_batch
from agents.messaging.services.sweeper import leases_expire
from agents.models import AgentEvent, AgentKind, Delivery, Message
from tests.support.factories import AgentFactory
from tests.support.messaging import send

#: Retries due at once, so a requeued row is claimable again straight away.
NO_BACKOFF = {"BACKOFF_BASE_SECONDS": 0.0, "BACKOFF_CAP_SECONDS": 0.0, "LEASE_SECONDS": 30.0, "BATCH_SIZE": 500}


def stall_after_claim(monkeypatch, during_stall):
    """Make the next batch's claim return only after ``during_stall()`` has run, its lease already run out."""
    real_claim = worker.delivery_claim

    def claim_then_stall(**kwargs):
        rows, deferred = real_claim(**kwargs)
        Delivery.objects.filter(pk__in=[r.id for r in rows]).update(
            lease_until=timezone.now() - datetime.timedelta(seconds=1))
        during_stall()
        return rows, deferred

    monkeypatch.setattr(worker, "delivery_claim", claim_then_stall)


@override_settings(MESSAGING={**NO_BACKOFF, "MAX_ATTEMPTS": 1})
@pytest.mark.parametrize("kind", [AgentKind.INTERNAL, AgentKind.EXTERNAL])
def test_a_stalled_hand_over_does_not_deliver_what_the_sweeper_dead_lettered(monkeypatch, alice, kind):
    recipient = AgentFactory(organization=alice.organization, kind=kind)
    sent = send(alice, to=[recipient.pk]).message
    stall_after_claim(monkeypatch, lambda: leases_expire())  # last attempt: the sweeper dead-letters it

    result = delivery_dispatch_batch()

    delivery = Delivery.objects.get(message=sent)
    assert delivery.status == "dead" and delivery.delivered_at is None
    assert not AgentEvent.objects.filter(delivery=delivery).exists()
    assert (result.acked, result.delivered) == (0, 0)
    # The sender's failure notice is true: the message was not delivered. Exactly one, from the sweeper.
    assert Message.objects.filter(performative="failure", in_reply_to=sent).count() == 1


@override_settings(MESSAGING={**NO_BACKOFF, "MAX_ATTEMPTS": 8})
@pytest.mark.parametrize("kind", [AgentKind.INTERNAL, AgentKind.EXTERNAL])
def test_a_stalled_hand_over_does_not_move_a_row_another_worker_reclaimed(monkeypatch, alice, kind):
    recipient = AgentFactory(organization=alice.organization, kind=kind)
    sent = send(alice, to=[recipient.pk]).message
    other_worker = {}

    def sweep_and_reclaim() -> None:
        assert leases_expire()["requeued"] == 1
        other_worker["rows"], _ = delivery_claim(batch_size=10)

    stall_after_claim(monkeypatch, sweep_and_reclaim)

    result = delivery_dispatch_batch()  # the stalled worker comes back

    delivery = Delivery.objects.get(message=sent)
    assert (delivery.status, delivery.attempts) == ("dispatched", 2)  # still the other worker's claim
    assert delivery.lease_until > timezone.now() and delivery.delivered_at is None
    assert not AgentEvent.objects.filter(delivery=delivery).exists()
    assert (result.acked, result.delivered) == (0, 0)
    # The other worker's hand-over is the one that counts.
    reclaimed = _hand_over(other_worker["rows"], timezone.now())
    delivery.refresh_from_db()
    assert delivery.status == ("acked" if kind == AgentKind.INTERNAL else "delivered")
    assert reclaimed.acked + reclaimed.delivered == 1
    assert AgentEvent.objects.filter(delivery=delivery).count() == (1 if kind == AgentKind.INTERNAL else 0)
    assert not Message.objects.filter(performative="failure").exists()
