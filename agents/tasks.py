"""Celery tasks of the agents domain: thin doors into the messaging services."""

from __future__ import annotations

import logging
import time

from celery import shared_task

from agents.services.messaging.delivery import delivery_dispatch_due, more_due
from agents.services.messaging.policy import knob
from agents.services.messaging.sweeper import delivery_sweep
from agents.services.messaging.wakeup import publish_wakeup, wakeup_taken

logger = logging.getLogger("agents.tasks")
#: Time budget of each of deliver_due's two rounds; a backlog left after it goes to a fresh task.
ROUND_SECONDS = 5.0


@shared_task(name="agents.deliver_due", acks_late=True, ignore_result=True)
def deliver_due() -> int:
    """Woken after sends commit: deliver batches until nothing is due (or the time budget runs out).

    The wake-up stays pending during a short linger and the first round, so sends
    committed meanwhile ride along instead of each publishing a task of their own
    (at a few hundred sends a second that was a task per message or two, and the
    worker spent more on tasks than on messages). Then the wake-up is taken: a
    second round picks up every send that saw it pending, and sends from then on
    publish a fresh one. No send is left behind: one that saw the wake-up pending
    committed before it was taken, so the second round sees it.
    """
    linger = float(knob("WAKEUP_LINGER_SECONDS"))
    if linger > 0:
        time.sleep(linger)  # batching on purpose: the sends of the next few milliseconds join this task
    delivered = delivery_dispatch_due(time_budget=ROUND_SECONDS)
    wakeup_taken()
    started = time.monotonic()
    delivered += delivery_dispatch_due(time_budget=ROUND_SECONDS)
    if time.monotonic() - started >= ROUND_SECONDS and more_due():
        publish_wakeup()  # a long backlog: hand the rest to the next free worker child
    if delivered:
        logger.info("handed over %d deliveries", delivered)
    return delivered


@shared_task(name="agents.sweep_deliveries", acks_late=True, ignore_result=True)
def sweep_deliveries() -> dict:
    """Beat: expired leases back to pending, expired messages out, lost wake-ups made good."""
    figures = delivery_sweep()
    if any(figures.values()):
        logger.info("delivery sweep: %s", figures)
    return figures
