"""Scale-out, shown (issue 17 part 7; docs/scaling.md): two delivery workers and two reasoning workers at once.

Cross-cutting: it runs messaging's delivery workers and reasoning's cycle together, as separate real Celery
processes routed by queue (``--queues=messages`` twice, ``--queues=reasoning`` twice) with one beat, against the
test PostgreSQL and a private Redis, over 1,000 agents that send each other 3,000 messages
(``tests.support.scale_out``). This process posts no wake-up of its own (``quiet``): the suite's shared worker,
on the shared Redis, never touches these agents, so all of the work is done by the four workers started here.

Then, from the database: every delivery acked after exactly one claim, every event taken by exactly one cycle,
every message event starting exactly one intention, every counter belief at 1; and from the workers' logs: the
hand-overs the two delivery workers report add up to exactly the deliveries, the cycles the two reasoning workers
report to exactly the trace rows, and each of the four did some of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from agents.models import CycleTrace
from tests.support.polling import wait_until
from tests.support.processes import Process, logged_ready, processes_stop, start_beat, start_worker
from tests.support.scale_out import (
    MESSAGES_PER_AGENT,
    cycles_run,
    handed_over,
    scale_counts,
    scale_crowd_create,
    scale_expected,
    scale_goals_post,
    scale_progress,
    scale_settled,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.processes]

SIZE = 1000
#: Sweeps every second (the first wake-up of the goals posted here is the beat's reasoning sweep); batches of 50
#: agents, so each reasoning round is many batches that the two reasoning workers share.
ENV = {"REASONING_SWEEPER_INTERVAL_SECONDS": "1", "MESSAGING_SWEEPER_INTERVAL_SECONDS": "1",
       "REASONING_BATCH_SIZE": "50"}


@pytest.fixture
def fleet(private_redis) -> Iterator[Callable[[Process], Process]]:
    """Keeps every process handed to it and stops each one after the test, passed or failed (before the private
    Redis they use is stopped: this fixture depends on it, so it is torn down first)."""
    started: list[Process] = []

    def keep(proc: Process) -> Process:
        started.append(proc)
        return proc

    yield keep
    processes_stop(started)


def exited(procs: list[Process]) -> dict[str, str]:
    """The processes that are no longer running, with the end of their logs."""
    return {proc.log_path.name: proc.output()[-2000:] for proc in procs if not proc.alive()}


def test_two_delivery_and_two_reasoning_workers_over_1000_agents_deliver_and_reason_each_thing_once(
        tmp_path, private_redis, quiet, fleet):
    env = {**ENV, "REDIS_URL": private_redis.url}
    begun = time.monotonic()
    delivery = [fleet(start_worker(tmp_path, f"delivery{i}", queues="messages", **env)) for i in (1, 2)]
    reasoning = [fleet(start_worker(tmp_path, f"reasoning{i}", queues="reasoning", **env)) for i in (1, 2)]
    beat = fleet(start_beat(tmp_path, **env))
    workers, everyone = delivery + reasoning, [*delivery, *reasoning, beat]
    crowd = scale_crowd_create(SIZE)
    # Each wait also ends when a process has exited, so a worker that cannot start fails the test at once.
    wait_until(lambda: all(logged_ready(worker) for worker in workers) or exited(everyone), timeout=60,
               interval=0.2, message="four workers consuming")
    assert not exited(everyone), exited(everyone)
    ready = time.monotonic()

    scale_goals_post(crowd)
    try:
        wait_until(lambda: scale_settled(crowd) or exited(everyone), timeout=60, interval=0.25,
                   message="every message delivered and every event reasoned over")
    except AssertionError as exc:
        raise AssertionError(f"{exc}: {scale_progress(crowd)}") from None
    elapsed = time.monotonic() - ready
    assert not exited(everyone), exited(everyone)

    assert scale_counts(crowd) == scale_expected(crowd)

    # What each worker says it did: a log line is written after its task's commit, so wait for the last ones.
    deliveries, traces = SIZE * MESSAGES_PER_AGENT, CycleTrace.objects.filter(agent_id__in=crowd.agent_ids).count()
    wait_until(lambda: sum(handed_over(worker.log_path) for worker in delivery) >= deliveries, timeout=10,
               message="the delivery workers' logs")
    wait_until(lambda: sum(cycles_run(worker.log_path) for worker in reasoning) >= traces, timeout=10,
               message="the reasoning workers' logs")
    handed = [handed_over(worker.log_path) for worker in delivery]
    cycles = [cycles_run(worker.log_path) for worker in reasoning]
    print(f"\nscale-out: {SIZE} agents, {deliveries} deliveries handed over {handed}, {traces} cycles run {cycles}, "
          f"workers consuming {ready - begun:.1f} s after their start, {elapsed:.1f} s from the goals to rest")
    assert sum(handed) == deliveries, handed
    assert sum(cycles) == traces, cycles
    assert all(handed), f"a delivery worker did nothing: {handed}"
    assert all(cycles), f"a reasoning worker did nothing: {cycles}"
