"""Supervision scenes shared by the admin, dashboard, metrics and browser tests: a team under a policy whose
first member fails its goal, and a restart scheduled by the real check."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.models import AgentSupervision
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM
from tests.support.reasoning import World, run_cycles


def failing_team(*slugs: str, strategy: str = "one_for_one", **policy: Any) -> World:
    """A leader ``boss`` and members ``slugs`` in group "Team" under a policy; the first member's goal ``work``
    always fails (``failure_threshold`` 1, no jitter)."""
    world = World("boss", *slugs)
    world.plans("+!work <- .fail.\n+!rest <- +rested(true).")
    world.team = group_create(organization=world.org, name="Team", by=SYSTEM)
    membership_add(group=world.team, agent=world.boss, role="leader", by=SYSTEM)
    for slug in slugs:
        membership_add(group=world.team, agent=world.agents[slug], by=SYSTEM)
        role = world.agents[slug].role
        role.default_goals = [{"name": "work"}] if slug == slugs[0] else [{"name": "rest"}]
        role.save()
    options = {"failure_threshold": 1, "backoff_min_seconds": 1.0, "backoff_max_seconds": 8.0,
               "backoff_jitter": 0.0, **policy}
    world.policy = policy_create(organization=world.org, group=world.team, strategy=strategy, by=SYSTEM, **options)
    return world


def fail_and_schedule(world: World, slug: str) -> None:
    """``slug`` pursues its failing goal; the check stops it and schedules its restart."""
    world.goal(slug, "work")
    run_cycles()
    supervision_check()


def back_off_over(agent: Any) -> None:
    """The back-off has run out (the row says when; the check compares with the clock)."""
    AgentSupervision.objects.filter(agent=agent).update(restart_at=timezone.now())
