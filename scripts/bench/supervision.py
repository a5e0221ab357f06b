#!/usr/bin/env python
"""`make bench` phase `supervision`: what the beat's check costs, durable PostgreSQL (issue 15).

The check runs every SUPERVISION_CHECK_SECONDS (2 s) whatever happens, so its quiet round is what a deployment
pays all the time; a round that acts is what a burst of failures costs.

(a) quiet round: ``BENCH_SUPERVISION_AGENTS`` internal agents (10,000) under their organization's default
    policy, none failing, none due: the round's time (median and max of 20) and its queries.
(b) a backlog with no worker alive: the same agents all due for longer than the heartbeat timeout, with a
    pending event each and nobody reasoning (a dead worker pool): the round's time and queries, and how many
    agents it flagged (must be 0: docs/supervision.md, the stale rule).
(c) a burst: ``BENCH_SUPERVISION_FAILING`` of them (100) with a failed intention each: the round that schedules
    their restarts (one transaction each), then, their back-off over, the round that restarts them: ms per agent.

In-process (the check is a function; the beat is only its timer). Runs inside scripts/testenv.py like run.py;
``BENCH_SCALE`` scales the sizes for a check of the bench (writes nothing to docs/).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# isort: off
from scripts.bench import run  # first: it sets Django up, as every bench phase does

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.models import AgentEvent, AgentRuntime, AgentSupervision, Intention, SupervisionEvent
from agents.reasoning.events.models import EventKind, EventSource
from agents.supervision.services.check import supervision_check
from agents.supervision.services.policies import policy_create
from scripts.bench import durability
from scripts.bench.reasoning import organization
# isort: on

MARKERS = {"durable": ("<!-- bench-supervision:start -->", "<!-- bench-supervision:end -->"),
           "fast": ("<!-- bench-supervision-fast:start -->", "<!-- bench-supervision-fast:end -->")}
ROUNDS = 20


def timed_round() -> tuple[float, int, object]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = supervision_check()
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(queries), result


def phase_quiet(agents: list) -> dict:
    times, counts = [], []
    for _ in range(ROUNDS):
        elapsed, count, _result = timed_round()
        times.append(elapsed)
        counts.append(count)
    return {"median_ms": statistics.median(times), "max_ms": max(times), "queries": max(counts)}


def phase_backlog(agents: list, timeout_s: int) -> dict:
    long_ago = timezone.now() - datetime.timedelta(seconds=3 * timeout_s)
    AgentEvent.objects.bulk_create([AgentEvent(agent_id=a.pk, kind=EventKind.TIMER, args={}, source=EventSource.SYSTEM,
                                               created_at=long_ago) for a in agents], batch_size=5000)
    AgentRuntime.objects.filter(agent_id__in=[a.pk for a in agents]).update(wake_at=long_ago)
    times, counts = [], []
    for _ in range(5):
        elapsed, count, _result = timed_round()
        times.append(elapsed)
        counts.append(count)
    flagged = SupervisionEvent.objects.filter(agent_id__in=[a.pk for a in agents]).count()
    AgentEvent.objects.filter(agent_id__in=[a.pk for a in agents]).update(consumed_at=timezone.now())
    AgentRuntime.objects.filter(agent_id__in=[a.pk for a in agents]).update(wake_at=None)
    return {"median_ms": statistics.median(times), "max_ms": max(times), "queries": max(counts), "flagged": flagged}


def phase_burst(agents: list, failing: int) -> dict:
    now = timezone.now()
    chosen = agents[:failing]
    Intention.objects.bulk_create([Intention(agent_id=a.pk, status="failed", stack=[], trigger_kind="goal_added",
                                             trigger_name="work", error={"error": "failed"}, created_at=now,
                                             updated_at=now, finished_at=now) for a in chosen])
    elapsed, count, result = timed_round()
    scheduled = {"ms": elapsed, "queries": count, "agents": result.restarts_scheduled}
    AgentSupervision.objects.filter(agent_id__in=[a.pk for a in chosen]).update(restart_at=timezone.now())
    elapsed, count, result = timed_round()
    restarted = {"ms": elapsed, "queries": count, "agents": result.restarted}
    return {"failing": failing, "scheduled": scheduled, "restarted": restarted}


def render(r: dict) -> str:
    m, db = r["machine"], r["database"]
    start, end = MARKERS[durability.mode(db)]
    q, b, c = r["quiet"], r["backlog"], r["burst"]
    s, rs = c["scheduled"], c["restarted"]
    return "\n".join([
        start,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}.",
        durability.describe(db),
        "",
        f"The check (`agents.check_supervision`) called in-process over {r['agents']} internal agents under their "
        "organization's default policy; the beat calls it every `SUPERVISION_CHECK_SECONDS` (2 s).",
        "",
        "| figure | result |",
        "|---|---|",
        f"| (a) a quiet round (nothing failing, nothing due), {ROUNDS} rounds | **median {q['median_ms']:.1f} ms**, "
        f"max {q['max_ms']:.1f} ms, {q['queries']} queries |",
        f"| (b) every agent due for 3 times the heartbeat timeout with a pending event, no worker alive | **median "
        f"{b['median_ms']:.1f} ms**, max {b['max_ms']:.1f} ms, {b['queries']} queries; agents flagged: "
        f"**{b['flagged']}** (a dead pool is no agent's failure) |",
        f"| (c) {c['failing']} agents with a failed intention: the round scheduling their restarts "
        f"| **{s['ms']:.0f} ms** "
        f"({s['ms'] / max(s['agents'], 1):.1f} ms per agent, {s['agents']} scheduled, {s['queries']} queries) |",
        f"| (c) their back-off over: the round restarting them | **{rs['ms']:.0f} ms** "
        f"({rs['ms'] / max(rs['agents'], 1):.1f} ms per agent, {rs['agents']} restarted, {rs['queries']} queries) |",
        end,
    ])


def main() -> int:
    db = durability.bench_database(connection, tag="supervision")
    if db is None:
        return 2
    size = run.scaled(int(os.environ.get("BENCH_SUPERVISION_AGENTS", "10000")), least=100)
    failing = min(run.scaled(int(os.environ.get("BENCH_SUPERVISION_FAILING", "100")), least=10), size)
    org, agents = organization("supervision", size, "+!work <- .fail.")
    policy_create(organization=org, by=run.SYSTEM, failure_threshold=1, heartbeat_timeout_seconds=30,
                  backoff_min_seconds=1, backoff_jitter=0)
    result = {"machine": run.machine(), "database": db, "agents": size,
              "quiet": phase_quiet(agents), "backlog": phase_backlog(agents, 30), "burst": phase_burst(agents, failing)}
    return run.phase_end(result, lambda figures: run.block_write(
        render(figures), MARKERS[durability.mode(figures["database"])], heading="## Supervision"))


if __name__ == "__main__":
    sys.exit(main())
