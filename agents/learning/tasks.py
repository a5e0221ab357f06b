"""Celery task of learning: a thin door into the roll-up (queue ``learning``, every LEARNING_ROLLUP_SECONDS)."""

from __future__ import annotations

from celery import shared_task

from agents.learning.services.rollup import learning_rollup as rollup


@shared_task(name="agents.learning_rollup", acks_late=True, ignore_result=True)
def learning_rollup() -> dict:
    """Beat: new plan outcomes counted into the plans' statistics (docs/learning.md)."""
    return rollup().as_dict()
