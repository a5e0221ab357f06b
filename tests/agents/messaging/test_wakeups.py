"""Wake-ups deliver every send without the sweeper's help.

The session's worker (tests/conftest.py) runs without beat, so in the burst test
no sweeper can make up for a wake-up that was never published. The narrow race of
a send that finds the wake-up pending just before the task takes it is pinned
down in-process (test_delivery.py), where the interleaving can be forced.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from agents.messaging.services import wakeup
from agents.messaging.services.policy import knob
from agents.messaging.services.send import message_send
from agents.models import Delivery
from mabos.resilience.breakers import breaker
from tests.support.actors import SYSTEM
from tests.support.factories import AgentFactory, OrganizationFactory
from tests.support.polling import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

THREADS, PER_THREAD = 8, 40


def test_bursts_of_concurrent_sends_are_all_delivered_without_a_sweeper(celery_worker_process):
    breaker(wakeup.BREAKER_NAME, fail_max=int(knob("BREAKER_FAIL_MAX")),
            reset_timeout=float(knob("BREAKER_RESET_SECONDS"))).close()
    org = OrganizationFactory()
    agents = [AgentFactory(organization=org) for _ in range(THREADS + 1)]
    failures: list[BaseException] = []

    def sender(k: int) -> None:
        try:
            for i in range(PER_THREAD):
                message_send(organization=org, sender_agent=agents[k], by=SYSTEM, performative="inform",
                             content={"n": i}, to=[agents[k + 1].pk])
        except BaseException as exc:  # reported below: a thread's exception would otherwise vanish
            failures.append(exc)
        finally:
            connection.close()

    for _burst in range(3):
        threads = [threading.Thread(target=sender, args=(k,)) for k in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures, failures
    total = 3 * THREADS * PER_THREAD
    assert Delivery.objects.filter(recipient__organization=org).count() == total
    wait_until(lambda: Delivery.objects.filter(recipient__organization=org, status="acked").count() == total,
               timeout=60, interval=0.2, message="every burst delivered by wake-ups alone")
    assert celery_worker_process.alive()
