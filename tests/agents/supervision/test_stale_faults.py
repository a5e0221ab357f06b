"""A stale heartbeat under faults (issue 15 part 7; docs/supervision.md, "Failure signals"): a killed reasoning
worker is a platform problem, never a thousand failing agents; an agent the workers really pass over is one.

The first test runs real workers against a private Redis (this process posts no wake-up: ``quiet``). While
no worker is alive, this process plays the beat: it runs ``supervision_check`` (what ``agents.check_supervision``
calls) every ``CHECK_SECONDS`` for three heartbeat timeouts, since the beat that ran inside the killed worker
died with it.
"""

from __future__ import annotations

import datetime
import signal
import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from agents.agent.models import Agent
from agents.models import AgentRuntime, AgentStatus, AgentSupervision, CycleTrace, SupervisionEvent
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from tests.support import processes
from tests.support.actors import SYSTEM
from tests.support.crowd import crowd_create, crowd_progress, crowd_settled
from tests.support.faults import backend_gone, kill_holding_a_batch
from tests.support.polling import wait_until
from tests.support.reasoning import World, run_cycles
from tests.support.supervision import CHECK_SECONDS, events_of, failing_team, start_supervising_worker, wait_on

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 2
#: Two cycles per agent: the goal, then the belief it adds.
QUICK = "+!work(N) <- +done(N).\n"
CYCLES = 2


def hold_runtime(agent) -> Callable[[], None]:
    """Hold ``agent``'s runtime row from another session, as a batch does while it reasons; the release."""
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                list(AgentRuntime.objects.select_for_update().filter(agent=agent))
                held.set()
                done.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10), "the runtime row held"

    def release() -> None:
        done.set()
        holder.join(30)

    return release


def beat_for(seconds: float) -> int:
    """Run the check as the beat would, every ``CHECK_SECONDS``, for ``seconds``: the most agents one looked at."""
    looked = 0
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        looked = max(looked, supervision_check().checked)
        time.sleep(CHECK_SECONDS)  # the beat's pace, not a wait for an outcome
    return looked


@pytest.mark.processes
def test_a_killed_reasoning_worker_is_not_taken_for_a_thousand_failing_agents(tmp_path, private_redis, quiet):
    crowd = crowd_create(1000, plan=QUICK)
    policy_create(organization=crowd.world.org, by=SYSTEM, heartbeat_timeout_seconds=TIMEOUT, failure_threshold=1,
                  backoff_min_seconds=0.2, backoff_jitter=0.0)
    url = processes.test_database_url()
    watcher = psycopg.connect(url, autocommit=True)
    blocker = psycopg.connect(url, autocommit=False)
    worker = None
    try:
        since = watcher.execute("SELECT now()").fetchone()[0]
        worker = start_supervising_worker(tmp_path, private_redis.url, "doomed", REASONING_BATCH_SIZE="50")
        wait_on(worker, lambda: crowd_progress(crowd) >= 150, timeout=60, message="the worker committing cycles")
        pids = kill_holding_a_batch(worker, watcher, blocker, "agents_cycletrace", label="the reasoning worker",
                                    since=since)
        wait_until(lambda: backend_gone(watcher, pids), timeout=15, message="the killed worker's backends gone")
        left = crowd.size * CYCLES - crowd_progress(crowd)
        assert left > crowd.size // 2, "the worker was killed too late to leave agents waiting"
        beat_for(3 * TIMEOUT)
        # The agents were due and silent for longer than the timeout: the check's first query found them, and the
        # workers-past-it rule (signals._passed_over, then signals_of under the lock) left them all alone.
        silent = timezone.now() - datetime.timedelta(seconds=TIMEOUT)
        assert AgentRuntime.objects.filter(agent_id__in=crowd.agent_ids, wake_at__lte=silent).filter(
            Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lte=silent)).count() > 500
        assert not SupervisionEvent.objects.exists()
        worker = start_supervising_worker(tmp_path, private_redis.url, "heir", REASONING_BATCH_SIZE="50")
        wait_on(worker, lambda: crowd_settled(crowd), timeout=90, interval=0.25,
                message="the heir draining every agent")
    finally:
        blocker.close()
        watcher.close()
        if worker:
            worker.stop(signal.SIGKILL)
    assert list(SupervisionEvent.objects.values_list("kind", "agent_id")) == []
    assert Agent.objects.filter(pk__in=crowd.agent_ids, status=AgentStatus.ACTIVE).count() == crowd.size
    assert CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).count() == crowd.size * CYCLES


def test_an_agent_the_workers_pass_over_while_they_take_newer_work_is_flagged(quiet):
    world = World("stuck", "busy")
    world.plans("+!work <- +worked.")
    policy_create(organization=world.org, by=SYSTEM, heartbeat_timeout_seconds=TIMEOUT, failure_threshold=1,
                  backoff_min_seconds=30.0, backoff_max_seconds=60.0, backoff_jitter=0.0)
    world.goal("stuck", "work")
    release = hold_runtime(world.stuck)  # a claim that never ends: every batch skips it
    due_at = AgentRuntime.objects.get(agent=world.stuck).wake_at

    def newer_work_taken() -> bool:
        """One more goal of the busy agent reasoned over (the stuck one skipped): until the stuck agent has been
        due past the timeout, and what the workers took was created well after it became due."""
        world.goal("busy", "work")
        run_cycles()
        runtime = AgentRuntime.objects.get(agent=world.stuck)
        return (runtime.wake_at == due_at and runtime.heartbeat_at is None
                and time.time() - due_at.timestamp() > TIMEOUT + 0.5)

    try:
        wait_until(newer_work_taken, timeout=15, interval=0.2, message="the stuck agent passed over")
        # While the row is held, it is busy, not failing: a batch may be on it.
        supervision_check()
        assert not SupervisionEvent.objects.exists()
    finally:
        release()
    result = supervision_check()
    assert result.kinds == {"heartbeat_stale": 1}
    [stale] = events_of(world.stuck, "heartbeat_stale")
    assert stale.detail["events_waiting"] == 1 and stale.detail["timeout_seconds"] == TIMEOUT
    assert [event.kind for event in events_of(world.stuck)] == ["heartbeat_stale", "restart_scheduled"]
    assert AgentSupervision.objects.get(agent=world.stuck).stale_since is not None
    assert events_of(world.busy) == []


def test_a_sibling_a_batch_holds_rolls_the_whole_decision_back_and_the_next_check_restarts_them_all(quiet):
    """one_for_all never restarts part of its group: with one member's runtime row held (a batch on it), the
    failing member's decision rolls back (no event, still active); once released, the next check stops all."""
    world = failing_team("worker", "held", "free", strategy="one_for_all")
    world.goal("worker", "work")
    run_cycles()
    release = hold_runtime(world.held)  # a batch on it
    try:
        result = supervision_check()
        assert (result.restarts_scheduled, result.skipped) == (0, 1)
        assert not SupervisionEvent.objects.exists()
        assert Agent.objects.get(pk=world.worker.pk).status == AgentStatus.ACTIVE
    finally:
        release()
    result = supervision_check()
    assert result.restarts_scheduled == 4  # the worker, then boss, held and free in join order
    assert set(Agent.objects.filter(organization=world.org).values_list("status", flat=True)) == {"failed"}
