"""The cycle's plan chooser: the organization's selection policy, over the statistics loaded per batch.

Registered with reasoning (``selection.chooser_register``, apps.ready): once per batch ``chooser_for``
reads the policies of the batch's organizations (one query). Where every one is ``first_applicable``, it
returns None and the cycle stays Jason's, with nothing more read. Otherwise two more queries: the groups
the agents pool with (member or leader, sharing on) and every statistic of those agents and groups for
the plans of the batch's library, their weights decayed to the batch's instant. The chooser then decides
in memory; the statistics are a few seconds old at most (the roll-up's beat), which is what keeps the
cycle free of shared-row locks.

The random numbers are seeded by the agent, the cycle number and the choice's place in the cycle, so a
cycle replayed after a rolled-back batch chooses the same plan.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from agents.agent.models import Membership, MembershipRole
from agents.learning.bandit import FIRST_APPLICABLE, THOMPSON_SHARED, Arm, Tally, choose, tally_at
from agents.learning.models import PlanStats, Scope, SelectionPolicy
from agents.reasoning.cycle.learned import context_of


def default_policy() -> tuple[str, float]:
    return settings.LEARNING["DEFAULT_POLICY"], 1.0


class LearningChooser:
    """One batch's policies and statistics; ``choose`` is called by the cycle for every plan choice."""

    def __init__(self, policies: dict[tuple[Any, str, str], tuple[str, float]], groups: dict[Any, list[Any]],
                 stats: dict[tuple[str, Any, Any, str], Tally]) -> None:
        self.policies, self.groups, self.stats = policies, groups, stats

    def policy_of(self, organization_id: Any, kind: str, name: str) -> tuple[str, float]:
        return (self.policies.get((organization_id, kind, name)) or self.policies.get((organization_id, "", ""))
                or default_policy())

    def choose(self, cycle: Any, trigger: Any, options: Sequence[tuple[Any, dict[str, Any]]]
               ) -> tuple[tuple[Any, dict[str, Any]] | None, dict[str, Any] | None]:
        agent = cycle.mind.agent
        policy, weight = self.policy_of(agent.organization_id, trigger.kind, trigger.name)
        if policy == FIRST_APPLICABLE:
            return options[0], None
        arms, keys = [], []
        for candidate, bindings in options:
            key = context_of(cycle, candidate, bindings)["key"]
            keys.append(key)
            own = self.stats.get((Scope.AGENT, agent.pk, candidate.plan_id, key), Tally())
            groups = tuple(self.stats.get((Scope.GROUP, group, candidate.plan_id, key), Tally())
                           for group in self.groups.get(agent.pk, ()))
            arms.append(Arm(own=own, groups=groups))
        # Not for secrets: a reproducible draw (a replayed cycle chooses again what it chose).
        seed = f"{agent.pk}:{cycle.number}:{len(cycle.trace['steps'])}:{trigger.kind}:{trigger.name}"
        rng = random.Random(seed)  # noqa: S311
        index, scores = choose(arms, policy=policy, weight=weight, rng=rng)
        chosen = options[index][0]
        listed = [{"plan": str(candidate.plan_id), "label": candidate.label, "version": candidate.version,
                   "key": key, "sample": None if score.sample is None else round(score.sample, 4),
                   "alpha": round(score.alpha, 3), "beta": round(score.beta, 3),
                   "own": [round(score.own.successes, 3), round(score.own.failures, 3), score.own.count],
                   "shared": [round(score.shared.successes, 3), round(score.shared.failures, 3), score.shared.count]}
                  for (candidate, _), key, score in zip(options, keys, scores, strict=True)]
        if scores[index].sample is None:
            why = f"{policy}: no experience yet with these plans in this situation: first applicable in source order"
        else:
            source = (f"own {scores[index].own.count} outcome(s) and the group's {scores[index].shared.count} "
                      f"x{weight:g}") if policy == THOMPSON_SHARED else f"own {scores[index].own.count} outcome(s)"
            why = (f"{policy}: sampled {scores[index].sample:.3f} for `{chosen.label}` ({source}), the highest of "
                   f"{len(options)} applicable plan(s)")
        return options[index], {"policy": policy, "why": why, "scores": listed}


def chooser_for(minds: list[Any], library: Any) -> LearningChooser | None:
    """The batch's chooser, or None when every organization of the batch chooses as Jason does."""
    organizations = {mind.agent.organization_id for mind in minds}
    policies = {(row.organization_id, row.trigger_kind, row.trigger_name): (row.policy, row.shared_weight)
                for row in SelectionPolicy.objects.filter(organization_id__in=organizations)}
    learning = {pk for pk in organizations if _learns(pk, policies)}
    if not learning:
        return None
    agents = [mind.agent.pk for mind in minds if mind.agent.organization_id in learning]
    groups: dict[Any, list[Any]] = defaultdict(list)
    for agent_id, group_id in (Membership.objects.filter(agent_id__in=agents).exclude(role=MembershipRole.OBSERVER)
                               .exclude(group__learning__sharing=False).order_by("created_at", "group_id")
                               .values_list("agent_id", "group_id")):
        groups[agent_id].append(group_id)
    plans = library.plan_ids()
    scopes = Q(scope=Scope.AGENT, scope_id__in=agents)
    group_ids = {group for ids in groups.values() for group in ids}
    if group_ids:
        scopes |= Q(scope=Scope.GROUP, scope_id__in=group_ids)
    now, half_life = timezone.now().timestamp(), settings.LEARNING["HALF_LIFE_SECONDS"]
    stats = {(row[0], row[1], row[2], row[3]): tally_at(row[4], row[5], row[6], row[7].timestamp() if row[7] else now,
                                                        now, half_life)
             for row in PlanStats.objects.filter(scopes, plan_id__in=plans).values_list(
                 "scope", "scope_id", "plan_id", "context_key", "weight_success", "weight_failure", "count",
                 "weighed_at")} if plans else {}
    return LearningChooser(policies, groups, stats)


def _learns(organization_id: Any, policies: dict[tuple[Any, str, str], tuple[str, float]]) -> bool:
    own = [policy for (org, _, _), (policy, _) in policies.items() if org == organization_id]
    if not any(org == organization_id and not kind for org, kind, _ in policies):
        own.append(default_policy()[0])
    return any(policy != FIRST_APPLICABLE for policy in own)
