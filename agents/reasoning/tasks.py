"""Celery tasks of reasoning: thin doors into the reasoning services, one call each."""

from __future__ import annotations

from celery import shared_task

from agents.reasoning.trace.services import traces_prune


@shared_task(name="agents.prune_traces", acks_late=True, ignore_result=True)
def prune_traces() -> int:
    """Beat, hourly: delete trace rows past REASONING_TRACE_RETENTION_DAYS (in bounded chunks)."""
    return traces_prune()
