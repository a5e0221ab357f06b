"""Celery tasks of protocols: thin doors, one service call each."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.protocols.sweeper import protocols_sweep

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.sweep_protocols", acks_late=True, ignore_result=True)
def sweep_protocols() -> int:
    """Beat, every second: the timeouts of runs whose waiting phase's deadline passed."""
    closed = protocols_sweep()
    if closed:
        logger.info("protocol sweep timed out %d runs", closed)
    return closed
