"""Celery tasks of reasoning: thin doors into the cycle and the reasoning services, one call each."""

from __future__ import annotations

import logging

from celery import shared_task

from agents.reasoning.cycle.drain import reasoning_drain, reasoning_sweep
from agents.reasoning.trace.services import traces_prune

logger = logging.getLogger("agents.tasks")


@shared_task(name="agents.reason_due", acks_late=True, ignore_result=True)
def reason_due() -> int:
    """Woken after events commit (agents.reasoning.runtime.wakeup): run cycles until nothing is due."""
    cycles = reasoning_drain()
    if cycles:
        logger.info("ran %d agent cycles", cycles)
    return cycles


@shared_task(name="agents.sweep_reasoning", acks_late=True, ignore_result=True)
def sweep_reasoning() -> dict:
    """Beat: a lost wake-up made good; agents with work but not due are woken."""
    figures = reasoning_sweep()
    if figures["woken"]:
        logger.info("reasoning sweep woke %d agents", figures["woken"])
    return figures


@shared_task(name="agents.prune_traces", acks_late=True, ignore_result=True)
def prune_traces() -> int:
    """Beat, hourly: delete trace rows past REASONING_TRACE_RETENTION_DAYS (in bounded chunks)."""
    return traces_prune()
