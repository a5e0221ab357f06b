"""The Celery tasks of every package (Celery's autodiscovery imports ``agents.tasks`` by name)."""

from agents.messaging.tasks import deliver_due, sweep_deliveries
from agents.reasoning.tasks import prune_traces, reason_due, sweep_reasoning

__all__ = ["deliver_due", "prune_traces", "reason_due", "sweep_deliveries", "sweep_reasoning"]
