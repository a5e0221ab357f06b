"""What learning registers with reasoning (apps.ready): the batch's outcome writer and the plan chooser."""

from __future__ import annotations

from django.db import transaction

from agents.common.bulk import rows_copy
from agents.learning.models import PlanOutcome
from agents.learning.selection import chooser_for
from agents.reasoning.cycle.learned import Outcome, outcome_writer_register
from agents.reasoning.cycle.selection import chooser_register
from mabos.metrics import LEARNING_OUTCOMES

#: PlanOutcome's columns as the cycle's drafts name them.
_FIELDS = ("agent_id", "organization_id", "role_id", "plan_id", "goal_id", "intention_id", "trigger_kind",
           "trigger_name", "context_key", "context", "success", "reward", "cost", "duration_ms", "error", "cycle")
COLUMNS = (*_FIELDS, "version_id", "created_at")


def outcomes_store(outcomes: list[Outcome]) -> None:
    """Insert a batch's outcomes in the batch's transaction: they commit with the cycle that ended the
    frames, or not at all (a rolled-back batch is replayed and ends them again)."""
    rows_copy(PlanOutcome, COLUMNS, [
        PlanOutcome(version_id=outcome.version_id, created_at=outcome.at,
                    **{name: getattr(outcome, name) for name in _FIELDS})
        for outcome in outcomes])
    successes = sum(1 for outcome in outcomes if outcome.success)

    def count() -> None:
        LEARNING_OUTCOMES.labels(result="success").inc(successes)
        LEARNING_OUTCOMES.labels(result="failure").inc(len(outcomes) - successes)

    transaction.on_commit(count, robust=True)


def learning_hooks_register() -> None:
    outcome_writer_register(outcomes_store)
    chooser_register(chooser_for)
