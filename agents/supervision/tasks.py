"""Celery task of supervision: a thin door into the check (queue ``reasoning``, every SUPERVISION_CHECK_SECONDS)."""

from __future__ import annotations

from celery import shared_task

from agents.supervision.services.check import supervision_check


@shared_task(name="agents.check_supervision", acks_late=True, ignore_result=True)
def check_supervision() -> dict:
    """Beat: failure signals read, restarts scheduled and made, escalations sent (docs/supervision.md)."""
    return supervision_check().as_dict()
