"""The cycle's guarantees under faults, with real processes (issue 13 part 10; docs/reasoning.md, Faults).

Each test runs its reasoning workers (with beat: the sweeper) against a private Redis, and this process
posts no wake-up of its own (``quiet``): the suite's shared worker, on the shared Redis, never reasons the
agents of these tests. Outcomes are counted at the end by ``tests.support.crowd``: every goal event taken
exactly once, one intention per goal and each achieved, one message per (sender, idempotency key) and as
many as the plans send, one trace per (agent, cycle).
"""

from __future__ import annotations

import signal
import time

import psycopg
import pytest

from agents.messaging.services.wakeup import BREAKER_NAME
from agents.models import AgentEvent, AgentRuntime, CycleTrace
from tests.support import processes
from tests.support.crowd import CYCLES, crowd_counts, crowd_create, crowd_expected, crowd_progress, crowd_settled
from tests.support.faults import (
    FAST,
    backend_gone,
    kill_holding_a_batch,
    operator_token,
    pg_restart,
    post_json,
    start_worker_with_beat,
)
from tests.support.metrics import breaker_state
from tests.support.polling import wait_until
from tests.support.processes import start_gunicorn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

#: A sweeper every second, so a lost wake-up costs at most that; small batches, so a run has many of them.
REASONING = {**FAST, "REASONING_SWEEPER_INTERVAL_SECONDS": "1", "REASONING_BATCH_SIZE": "50",
             # The plan's action runs on the same worker: a request whose worker died runs again soon.
             "ACTIONS_LEASE_SECONDS": "3", "ACTIONS_SWEEPER_INTERVAL_SECONDS": "1",
             "ACTIONS_HTTP_TIMEOUT_SECONDS": "1", "ACTIONS_LLM_TIMEOUT_SECONDS": "1"}
QUEUES = "reasoning,actions"

#: Where each of the five kills catches its batch: blocked before its first write to this table (the traces,
#: the outbox, the action requests, the intentions), or (None) wherever it is when seen holding its claim.
KILL_POINTS = ("agents_cycletrace", "agents_message", "agents_actionrequest", "agents_intention", None)

def test_a_reasoning_worker_killed_five_times_holding_a_batch_loses_and_doubles_nothing(tmp_path, private_redis,
                                                                                          quiet):
    crowd = crowd_create(1000)
    env = {**REASONING, "REDIS_URL": private_redis.url}
    url = processes.test_database_url()
    watcher = psycopg.connect(url, autocommit=True)
    blocker = psycopg.connect(url, autocommit=False)
    total = crowd.size * CYCLES
    worker, caught = None, []
    try:
        for index, table in enumerate(KILL_POINTS):
            since = watcher.execute("SELECT now()").fetchone()[0]
            worker = start_worker_with_beat(tmp_path, f"doomed{index}", queues=QUEUES, **env)
            # Spread the kills over the run, and see each new worker commit before it is killed.
            target = max((index + 1) * total // (len(KILL_POINTS) + 2), crowd_progress(crowd) + 1)
            wait_until(lambda: crowd_progress(crowd) >= target, timeout=60,  # noqa: B023 (called at once)
                       message=f"worker {index} committing cycles")
            pids = kill_holding_a_batch(worker, watcher, blocker, table, label=f"worker {index}", since=since)
            wait_until(lambda: backend_gone(watcher, pids), timeout=15,  # noqa: B023
                       message="the killed worker's backends gone")
            caught.append((table, crowd_progress(crowd)))
        worker = start_worker_with_beat(tmp_path, "heir", queues=QUEUES, **env)
        wait_until(lambda: crowd_settled(crowd), timeout=90, interval=0.25,
                   message=f"every intention ended (kills at {caught})")
    finally:
        blocker.close()
        watcher.close()
        if worker:
            worker.stop(signal.SIGKILL)
    assert len(caught) == 5
    assert crowd_counts(crowd) == crowd_expected(crowd)


def test_goals_posted_while_redis_is_down_are_accepted_and_reasoned_by_the_sweeper_after(tmp_path, private_redis,
                                                                                         quiet):
    crowd = crowd_create(40, goals=False)
    env = {**REASONING, "REDIS_URL": private_redis.url}
    token = operator_token(crowd.world.org)
    web, base = start_gunicorn(tmp_path, **env)
    worker = start_worker_with_beat(tmp_path, "w", queues=QUEUES, **env)
    try:
        # With Redis up: the worker is up and reasoning (the baseline).
        first = crowd.agent_ids[0]
        status, body = post_json(base, token, f"/api/v1/agents/{first}/goals/", {"name": "work", "args": [0]})
        assert status == 201, body
        crowd.goal_ids.append(body["id"])
        wait_until(lambda: CycleTrace.objects.filter(agent_id=first).count() == CYCLES, timeout=30,
                   message="the first goal reasoned over")
        private_redis.stop()
        started = time.monotonic()
        for index, agent_id in enumerate(crowd.agent_ids[1:], start=1):
            status, body = post_json(base, token, f"/api/v1/agents/{agent_id}/goals/",
                                     {"name": "work", "args": [index]})
            assert status == 201, (body, web.output()[-4000:])
            crowd.goal_ids.append(body["id"])
        assert time.monotonic() - started < 20, "a dead Redis must not stall goal adoption"
        # The wake-ups were refused (the breaker opened), but each event committed with its agent due.
        assert breaker_state(base, BREAKER_NAME) == 2
        rest = crowd.agent_ids[1:]
        assert AgentEvent.objects.filter(agent_id__in=rest, kind="goal_added").count() == len(rest)
        assert not AgentRuntime.objects.filter(agent_id__in=rest, wake_at__isnull=True).exists()
        private_redis.start()
        # Nobody posts again: those wake-ups are lost for good; the sweeper's finds the due agents.
        wait_until(lambda: crowd_settled(crowd), timeout=45, interval=0.25,
                   message="every goal reasoned over after Redis returned")
        assert worker.alive()
    finally:
        worker.stop()
        web.stop()
    assert crowd_counts(crowd) == crowd_expected(crowd)


def test_a_postgres_restart_mid_run_is_survived_by_the_running_worker_and_loses_nothing_committed(
        tmp_path, private_redis, quiet):
    crowd = crowd_create(300)
    env = {**REASONING, "REDIS_URL": private_redis.url, "DB_CONNECT_TIMEOUT": "1"}
    worker = start_worker_with_beat(tmp_path, "w", queues=QUEUES, **env)
    pid = worker.popen.pid
    try:
        wait_until(lambda: crowd_progress(crowd) >= crowd.size * CYCLES // 3, timeout=60,
                   message="a third of the run committed")
        committed = set(CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).values_list("pk", flat=True))
        pg_restart()
        wait_until(lambda: crowd_settled(crowd), timeout=60, interval=0.25,
                   message="every intention ended after the restart")
        assert worker.alive() and worker.popen.pid == pid, "the worker was not restarted"
        log = worker.log_path.read_text(errors="replace")
        assert "a reasoning batch failed and was rolled back" in log or "OperationalError" in log, \
            "the worker never met the outage"
        assert committed <= set(CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).values_list("pk", flat=True))
    finally:
        worker.stop()
    assert crowd_counts(crowd) == crowd_expected(crowd)
