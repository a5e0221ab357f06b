"""Learning scenes the API tests share: an organization whose agents pursue a goal with a risky and a steady
plan through the real cycle, each trial rolled up; and counts of what a write leaves."""

from __future__ import annotations

from agents.learning.services.rollup import learning_rollup
from agents.models import GroupLearning, PlanOutcome, SelectionPolicy
from auditlog.models import AuditEvent
from tests.support.reasoning import World, run_cycles

#: ``risky`` always fails, ``steady`` always succeeds: a learning policy moves to ``steady``.
PLANS = """
    @risky +!sell <- .fail(lost).
    @steady +!sell <- +sold(true).
"""


def trial(world: World, slug: str) -> str:
    """One goal pursued to its end by the real cycle, the outcome rolled up: the label of the plan chosen."""
    world.goal(slug, "sell")
    run_cycles()
    learning_rollup()
    return PlanOutcome.objects.filter(agent=world.agents[slug]).order_by("-id").values_list("plan__label",
                                                                                          flat=True)[0]


def written() -> tuple[int, int, int]:
    """How many selection policies, sharing switches and audit events there are: a refused write leaves all."""
    return SelectionPolicy.objects.count(), GroupLearning.objects.count(), AuditEvent.objects.count()
