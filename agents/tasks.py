"""The Celery tasks of every package (Celery's autodiscovery imports ``agents.tasks`` by name)."""

from agents.learning.tasks import learning_rollup
from agents.messaging.tasks import deliver_due, sweep_deliveries
from agents.protocols.tasks import sweep_protocols
from agents.reasoning.actions.tasks import run_actions, sweep_actions
from agents.reasoning.approvals.tasks import expire_approvals
from agents.reasoning.tasks import prune_traces, reason_due, sweep_reasoning
from agents.simulation.tasks import advance_simulations
from agents.supervision.tasks import check_supervision

__all__ = ["advance_simulations", "check_supervision", "deliver_due", "expire_approvals", "learning_rollup",
           "prune_traces", "reason_due", "run_actions", "sweep_actions", "sweep_deliveries", "sweep_protocols",
           "sweep_reasoning"]
