"""Learning test helpers: a team that learns which of two plans sells, on the real cycle and roll-up, with the
clock set back so that its outcomes fall in earlier hours (the plan page's chart has points to draw)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.learning.services.policies import selection_policy_create
from agents.learning.services.rollup import learning_rollup
from agents.models import Plan, PlanOutcome
from tests.support.actors import SYSTEM
from tests.support.plan_trials import PLANS
from tests.support.reasoning import World, run_cycles

HOSTILE = '<script>alert("group")</script>'


@contextmanager
def clock_back(hours: float) -> Iterator[None]:
    """``timezone.now`` ``hours`` earlier while the block runs: what the cycle writes is dated then. Earlier,
    never later: the database's own now() (the claim's ``wake_at <= now()``) still finds the agents due."""
    real = timezone.now
    shift = datetime.timedelta(hours=hours)
    timezone.now = lambda: real() - shift
    try:
        yield
    finally:
        timezone.now = real


@dataclass
class Team:
    world: World
    group: Any
    risky: Plan
    steady: Plan

    @property
    def org(self) -> Any:
        return self.world.org


def learning_team(*, group_name: str = "Sales") -> Team:
    """ann and bob (one role, one situation) in a group, Thompson sampling shared, two plans for +!sell."""
    world = World("ann", "bob")
    world.bob.role = world.ann.role
    world.bob.save(update_fields=["role"])
    risky, steady = world.plans(PLANS)
    group = group_create(organization=world.org, name=group_name, by=SYSTEM)
    for slug in ("ann", "bob"):
        membership_add(group=group, agent=world.agents[slug], by=SYSTEM)
    selection_policy_create(organization=world.org, policy="thompson_shared", shared_weight=1.0, by=SYSTEM)
    return Team(world, group, risky, steady)


def trials(team: Team, slug: str, count: int, *, hours_ago: float = 0) -> list[str]:
    """``count`` goals pursued to their end by ``slug`` (each rolled up), dated ``hours_ago``: the plans chosen."""
    chosen = []
    with clock_back(hours_ago):
        for _ in range(count):
            team.world.goal(slug, "sell")
            run_cycles()
            learning_rollup()
            chosen.append(PlanOutcome.objects.filter(agent=team.world.agents[slug]).order_by("-id")
                          .values_list("plan__label", flat=True)[0])
    return chosen
