"""Supervision scenes the tests share: a team under a policy whose first member fails its goal, a restart
scheduled by the real check, a person who may change an organization, and counts of what a write leaves."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.keys.services import agent_key_create
from agents.models import AgentKind, AgentSupervision
from agents.supervision.models import SupervisionEvent, SupervisorPolicy
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from auditlog.models import AuditEvent
from tests.support.actors import SYSTEM, grant
from tests.support.api import create_user, key_client
from tests.support.factories import AgentFactory
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


def kinds(agent: Any) -> list[str]:
    """The kinds of ``agent``'s supervision events, oldest first."""
    return list(SupervisionEvent.objects.filter(agent=agent).order_by("id").values_list("kind", flat=True))


def person_for(org: Any, *verbs: str) -> Any:
    """An operator with ``verbs`` (default view and change) on ``org``."""
    user = create_user(roles=("operator",))
    grant(user, org, *(verbs or ("view", "change")))
    return user


def written() -> tuple[int, int]:
    """How many policies and audit events there are: a refused write leaves both as they were."""
    return SupervisorPolicy.objects.count(), AuditEvent.objects.count()


def external_with_key(org: Any, **fields: Any) -> tuple[Any, Any]:
    """An external agent of ``org`` and an API client speaking with its own key."""
    agent = AgentFactory(organization=org, kind=AgentKind.EXTERNAL, **fields)
    _key, raw = agent_key_create(agent=agent, by=SYSTEM, name="tests")
    return agent, key_client(raw)
