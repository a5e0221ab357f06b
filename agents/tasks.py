"""The Celery tasks of every package (Celery's autodiscovery imports ``agents.tasks`` by name)."""

from agents.messaging.tasks import deliver_due, sweep_deliveries
from agents.reasoning.actions.tasks import run_actions, sweep_actions

__all__ = ["deliver_due", "run_actions", "sweep_actions", "sweep_deliveries"]
