"""Celery tasks of approval gates: a thin door into the expiry sweeper (queue ``reasoning``)."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.reasoning.approvals.services.expiry import approvals_expire

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.expire_approvals", acks_late=True, ignore_result=True)
def expire_approvals() -> int:
    """Beat: pending approval requests past their deadline become expired (audited, with the agent's event)."""
    expired = approvals_expire()
    if expired:
        logger.info("expired %d approval request(s)", expired)
    return expired
