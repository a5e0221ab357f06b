"""The roll-up: new plan outcomes counted into the statistics of every scope, in bulk (RUNTIME.md §7).

One roll-up at a time: each takes the single ``LearningRollup`` row ``FOR UPDATE SKIP LOCKED`` (another one
running: this one returns at once). In one transaction it reads up to ``LEARNING_ROLLUP_BATCH`` outcomes
not yet counted (the partial index ``planoutcome_unrolled_idx``), oldest first, adds each to its agent,
the groups its agent pools with (member or leader, sharing on, at roll-up time), its role and its
organization, writes the statistics, and marks the outcomes counted. A crash anywhere rolls all of it
back: the outcomes stay uncounted and the next roll-up counts them once. An outcome committed after a
roll-up started is simply not seen by it (no id watermark to skip it): the next one counts it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agents.agent.models import Membership, MembershipRole
from agents.common.bulk import rows_update
from agents.learning.bandit import fold
from agents.learning.models import LearningRollup, PlanOutcome, PlanStats, Scope
from mabos.metrics import LEARNING_ROLLED

STAT_FIELDS = ["context", "count", "successes", "failures", "reward_sum", "cost_sum", "weight_success",
               "weight_failure", "weighed_at", "last_outcome", "updated_at"]


@dataclass
class RollupResult:
    outcomes: int = 0
    stats_created: int = 0
    stats_updated: int = 0
    busy: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"outcomes": self.outcomes, "stats_created": self.stats_created, "stats_updated": self.stats_updated,
                "busy": self.busy}


@dataclass
class _Adding:
    organization_id: Any
    context: dict[str, Any]
    outcomes: list[PlanOutcome] = field(default_factory=list)


def _scopes(outcome: PlanOutcome, groups: dict[Any, list[Any]]) -> list[tuple[str, Any]]:
    scopes = [(Scope.AGENT, outcome.agent_id), *((Scope.GROUP, g) for g in groups.get(outcome.agent_id, ())),
              (Scope.ORGANIZATION, outcome.organization_id)]
    if outcome.role_id:
        scopes.append((Scope.ROLE, outcome.role_id))
    return scopes


def learning_rollup(*, limit: int | None = None) -> RollupResult:
    """Count new outcomes into the statistics; idempotent and safe to run from any number of workers."""
    limit = limit or settings.LEARNING["ROLLUP_BATCH"]
    half_life = settings.LEARNING["HALF_LIFE_SECONDS"]
    result = RollupResult()
    with transaction.atomic():
        _ensure_state()
        state = LearningRollup.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            result.busy = True
            return result
        outcomes = list(PlanOutcome.objects.filter(rolled_at__isnull=True).order_by("id")[:limit])
        if not outcomes:
            return result
        groups: dict[Any, list[Any]] = defaultdict(list)
        for agent_id, group_id in (Membership.objects.filter(agent_id__in={o.agent_id for o in outcomes})
                                   .exclude(role=MembershipRole.OBSERVER).exclude(group__learning__sharing=False)
                                   .values_list("agent_id", "group_id")):
            groups[agent_id].append(group_id)
        adding: dict[tuple[str, Any, Any, str], _Adding] = {}
        for outcome in outcomes:
            for scope, scope_id in _scopes(outcome, groups):
                key = (scope, scope_id, outcome.plan_id, outcome.context_key)
                if key not in adding:
                    adding[key] = _Adding(outcome.organization_id, dict(outcome.context))
                adding[key].outcomes.append(outcome)
        existing = _existing(adding)
        now = timezone.now()
        new, changed = [], []
        for key, add in adding.items():
            row = existing.get(key)
            if row is None:
                row = PlanStats(scope=key[0], scope_id=key[1], plan_id=key[2], context_key=key[3],
                                organization_id=add.organization_id, context=add.context)
                new.append(row)
            else:
                changed.append(row)
            _add(row, add.outcomes, half_life)
            row.updated_at = now
        PlanStats.objects.bulk_create(new, batch_size=1000)
        rows_update(PlanStats, changed, STAT_FIELDS)  # one statement, not bulk_update's CASE per field and row
        PlanOutcome.objects.filter(pk__in=[o.pk for o in outcomes]).update(rolled_at=now)
        state.last_run_at, state.outcomes_rolled = now, state.outcomes_rolled + len(outcomes)
        state.save(update_fields=["last_run_at", "outcomes_rolled"])
        result.outcomes, result.stats_created, result.stats_updated = len(outcomes), len(new), len(changed)
        rolled = len(outcomes)
        transaction.on_commit(lambda: LEARNING_ROLLED.inc(rolled), robust=True)
    return result


def _ensure_state() -> None:
    """The single row exists (the migration writes it; a flushed test database may not have it)."""
    if not LearningRollup.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                LearningRollup.objects.create(pk=1)
        except IntegrityError:  # another roll-up created it first
            pass


def _existing(adding: dict[tuple[str, Any, Any, str], _Adding]) -> dict[tuple[str, Any, Any, str], PlanStats]:
    """The statistics rows the outcomes add to (one query; the single roll-up row serialises writers)."""
    by_scope: dict[str, set[Any]] = defaultdict(set)
    for scope, scope_id, _, _ in adding:
        by_scope[scope].add(scope_id)
    wanted = Q()
    for scope, ids in by_scope.items():
        wanted |= Q(scope=scope, scope_id__in=ids)
    plans = {plan for _, _, plan, _ in adding}
    return {(row.scope, row.scope_id, row.plan_id, row.context_key): row
            for row in PlanStats.objects.filter(wanted, plan_id__in=plans)
            if (row.scope, row.scope_id, row.plan_id, row.context_key) in adding}


def _add(row: PlanStats, outcomes: list[PlanOutcome], half_life: float) -> None:
    scores = [(outcome.score, outcome.created_at.timestamp()) for outcome in outcomes]
    row.count += len(outcomes)
    row.successes += sum(1 for outcome in outcomes if outcome.success)
    row.failures += sum(1 for outcome in outcomes if not outcome.success)
    row.reward_sum += sum(outcome.reward or 0.0 for outcome in outcomes)
    row.cost_sum += sum(outcome.cost or 0.0 for outcome in outcomes)
    at = row.weighed_at.timestamp() if row.weighed_at else scores[0][1]
    row.weight_success, row.weight_failure, at = fold(row.weight_success, row.weight_failure, at, scores, half_life)
    row.weighed_at = datetime.datetime.fromtimestamp(at, tz=datetime.UTC)
    row.last_outcome = max(row.last_outcome, max(outcome.pk for outcome in outcomes))
