"""Supervision scenes the tests share: a team under a policy whose first member fails its goal, a restart
scheduled by the real check, a person who may change an organization, counts of what a write leaves; and for
the process tests a worker whose beat runs the check every few tenths of a second, teams in a known join
order, and what the check wrote.

The process tests' worker consumes the queues the check and what it sets off need: ``reasoning`` (the check
itself, the cycle, the sweeper), ``actions`` (a plan's action), ``messages`` (an escalation's delivery).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

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
from tests.support.faults import FAST, start_worker_with_beat
from tests.support.polling import wait_until
from tests.support.processes import Process
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


T = TypeVar("T")

#: The beat's check every 0.3 s, the reasoning sweeper (which finds what this quiet test process posted)
#: every 0.2 s: each step of a restart costs a few tenths of a second.
CHECK_SECONDS = 0.3
SUPERVISING = {**FAST, "SUPERVISION_CHECK_SECONDS": str(CHECK_SECONDS), "REASONING_SWEEPER_INTERVAL_SECONDS": "0.2",
               "ACTIONS_SWEEPER_INTERVAL_SECONDS": "1"}
QUEUES = "reasoning,actions,messages"


def start_supervising_worker(tmp: Path, redis_url: str, name: str = "sup", **env: str) -> Process:
    """A worker with beat (the check every ``CHECK_SECONDS``) on its own Redis."""
    return start_worker_with_beat(tmp, name, queues=QUEUES, **{**SUPERVISING, "REDIS_URL": redis_url, **env})


def wait_on(worker: Process, probe: Callable[[], T], *, timeout: float, message: str, interval: float = 0.1) -> T:
    """``wait_until``, with the worker's log in the failure (a worker that exited is said at once)."""
    def checked() -> T:
        if not worker.alive():
            raise WorkerExited(worker.output())
        return probe()

    try:
        return wait_until(checked, timeout=timeout, interval=interval, message=message)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{worker.output()}") from None


class WorkerExited(BaseException):
    """Not an ``Exception``: ``wait_until`` would keep polling a worker that is gone."""


def checks_run(worker: Process, witness: Any, n: int) -> None:
    """Wait until ``n`` more checks have run, one after the other. The check leaves no row when it finds
    nothing, so each round gives ``witness`` (an active agent) a restart due now, which the next check clears
    (``agent_restart_now`` leaves an agent that is not failed as it is, and no event is written)."""
    for _ in range(n):
        AgentSupervision.objects.update_or_create(agent=witness, defaults={"restart_at": timezone.now()})
        wait_on(worker, lambda: AgentSupervision.objects.filter(agent=witness, restart_at__isnull=True).exists(),
                timeout=15, message="a supervision check clearing the witness's restart")


def team_create(world: World, leader: str, members: list[str], **policy: Any) -> Any:
    """A group of ``world``: ``leader`` first, then ``members`` in this join order, with a policy of ``policy``."""
    team = group_create(organization=world.org, name=f"Team {leader}", by=SYSTEM)
    membership_add(group=team, agent=world.agents[leader], role="leader", by=SYSTEM)
    for slug in members:
        membership_add(group=team, agent=world.agents[slug], by=SYSTEM)
    policy_create(organization=world.org, group=team, by=SYSTEM, **policy)
    return team


def default_goals_set(world: World, goals: dict[str, list[str]]) -> None:
    """The role's starting goals of each agent named (each agent of a World has a role of its own)."""
    for slug, names in goals.items():
        role = world.agents[slug].role
        role.default_goals = [{"name": name} for name in names]
        role.save()


def events_of(agent: Any, kind: str | None = None) -> list[SupervisionEvent]:
    """The supervision events of ``agent`` (of one kind), oldest first."""
    rows = SupervisionEvent.objects.filter(agent=agent)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("id"))
