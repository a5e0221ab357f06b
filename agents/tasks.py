"""The Celery tasks of every package (Celery's autodiscovery imports ``agents.tasks`` by name)."""

from agents.messaging.tasks import deliver_due, sweep_deliveries

__all__ = ["deliver_due", "sweep_deliveries"]
