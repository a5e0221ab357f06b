"""The messaging counters in /metrics move once per event, whichever door the event came through."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from agents.messaging.services.delivery import delivery_dispatch_due
from agents.models import AgentStatus, Delivery
from tests.support.messaging import send
from tests.support.metrics import scrape, value
from tests.support.polling import wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the counters move on commit


@override_settings(MESSAGING={"MAX_ATTEMPTS": 1, "BACKOFF_BASE_SECONDS": 0.0, "BACKOFF_CAP_SECONDS": 0.0,
                              "BATCH_SIZE": 500, "LEASE_SECONDS": 30.0})
def test_a_dead_letter_from_the_worker_counts_once(client, alice, bob):
    before = scrape(client)
    with transaction.atomic():  # no worker sees the delivery before its recipient stops
        send(alice, to=[bob.pk])
        bob.status = AgentStatus.STOPPED  # after the send: a stopped agent is refused as a listed recipient
        bob.save()

    def dead() -> bool:
        delivery_dispatch_due()  # a worker elsewhere in the suite may get there first: it counts the same way
        return Delivery.objects.filter(recipient=bob, status="dead").exists()

    wait_until(dead, timeout=20, message="the delivery to a stopped agent dead-lettered")
    after = scrape(client)
    finished = value(after, "mabos_deliveries_finished_total", status="dead") - value(
        before, "mabos_deliveries_finished_total", status="dead")
    attempts = value(after, "mabos_delivery_attempts_total", outcome="dead") - value(
        before, "mabos_delivery_attempts_total", outcome="dead")
    assert (finished, attempts) == (1, 1)
