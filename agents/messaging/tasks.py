"""Celery tasks of messaging: thin doors into the messaging services, one call each."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.messaging.services.delivery import delivery_drain
from agents.messaging.services.sweeper import delivery_sweep

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.deliver_due", acks_late=True, ignore_result=True)
def deliver_due() -> int:
    """Woken after sends commit (agents.messaging.services.wakeup): deliver until nothing is due."""
    delivered = delivery_drain()
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
