"""Learning's figures for /metrics, read at scrape time: the roll-up's backlog and how long ago it ran."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agents.learning.models import LearningRollup, PlanOutcome


def rollup_figures() -> dict[str, Any]:
    """Two small queries: the uncounted outcomes (the roll-up's partial index) and the roll-up row."""
    unrolled = PlanOutcome.objects.filter(rolled_at__isnull=True).count()
    last = LearningRollup.objects.filter(pk=1).values_list("last_run_at", flat=True).first()
    age = (timezone.now() - last).total_seconds() if last else None
    return {"unrolled": unrolled, "rollup_age_seconds": age}
