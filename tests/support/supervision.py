"""Helpers of supervision's process tests: a worker whose beat runs the check every few tenths of a second, a
team (a group with a leader, members in a known join order, and a policy), and what the check wrote.

The worker consumes the queues the check and what it sets off need: ``reasoning`` (the check itself, the
cycle, the sweeper), ``actions`` (a plan's action), ``messages`` (an escalation's delivery to a leader).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.utils import timezone

from agents.agent.services.groups import group_create, membership_add
from agents.models import AgentSupervision, SupervisionEvent
from agents.supervision.services.policies import policy_create
from tests.support.actors import SYSTEM
from tests.support.faults import FAST, start_worker_with_beat
from tests.support.polling import wait_until
from tests.support.processes import Process
from tests.support.reasoning import World

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


def kinds_of(agent: Any) -> list[str]:
    return [event.kind for event in events_of(agent)]
