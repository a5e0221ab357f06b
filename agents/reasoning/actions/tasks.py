"""Celery tasks of actions: thin doors into the action services, one call each (queue ``actions``)."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.reasoning.actions.services.sweeper import actions_sweep
from agents.reasoning.actions.services.worker import actions_run_due

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.run_actions", acks_late=True, ignore_result=True)
def run_actions() -> int:
    """Woken after action requests commit (agents.reasoning.actions.wakeup): run them until none is due."""
    ran = actions_run_due()
    if ran:
        logger.info("ran %d action request(s)", ran)
    return ran


@shared_task(name="agents.sweep_actions", acks_late=True, ignore_result=True)
def sweep_actions() -> dict:
    """Beat: expired leases back to pending (or failed), due requests whose wake-up was lost run here."""
    figures = actions_sweep()
    if any(figures.values()):
        logger.info("action sweep: %s", figures)
    return figures
