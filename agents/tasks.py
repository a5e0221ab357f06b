"""Celery tasks of the agents domain: thin doors into the messaging services."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.services.messaging.delivery import delivery_dispatch_due, more_due
from agents.services.messaging.sweeper import delivery_sweep
from agents.services.messaging.wakeup import publish_wakeup, wakeup_taken

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.deliver_due", acks_late=True, ignore_result=True)
def deliver_due() -> int:
    """Woken after sends commit: deliver batches until nothing is due (or the time budget runs out)."""
    wakeup_taken()  # sends committed from now on publish their own wake-up
    delivered = delivery_dispatch_due(time_budget=10.0)
    if more_due():
        publish_wakeup()  # a long backlog: hand the rest to the next free worker child
    return delivered


@shared_task(name="agents.sweep_deliveries", acks_late=True, ignore_result=True)
def sweep_deliveries() -> dict:
    """Beat: expired leases back to pending, expired messages out, lost wake-ups made good."""
    figures = delivery_sweep()
    if any(figures.values()):
        logger.info("delivery sweep: %s", figures)
    return figures
