#!/usr/bin/env python
"""`make bench` phase `reasoning`: the BDI cycle on a real worker, on durable PostgreSQL (issue 13 part 11).

(a) cycles/s: 1,000 internal agents, 3 candidate plans for every event (two whose context is false, one that
    holds and runs one step), trace rows written; ``BENCH_REASONING_EVENTS`` goal events per agent are posted
    in one transaction and one worker (prefork, concurrency 2) runs the cycles; the rate counts the cycles
    (trace rows) from the commit of the events to the last cycle's commit.
(b) latency: goal events offered at 1,000/s (10 every 10 ms, to random agents) for ``BENCH_REASONING_SECONDS``;
    for each, the time from its commit (the poster's clock, just after COMMIT returned) to the commit of the
    cycle that took it (``pg_xact_commit_timestamp`` of its trace row: the first step commits with it).
(c) a token ring: 500 agents, each passing a message it receives to the next (``^message:inform(Token) <-
    .send(belief("next"), inform, ...)``), 100 tokens in flight: each hop is a delivered message, an event, a
    plan, a send. Hops/s over ``BENCH_REASONING_SECONDS``.

Runs inside scripts/testenv.py like run.py. ``BENCH_SCALE`` scales the sizes for a check of the bench
(writes nothing to docs/).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# isort: off
from scripts.bench import run  # first: it sets Django up, as every bench phase does

from django.db import connection, transaction
from django.utils import timezone

from agents.messaging.services.send import message_send
from agents.models import (Agent, AgentEvent, AgentKind, AgentRole, AgentRuntime, Belief, CycleTrace, Intention,
                           Message, Organization)
from agents.reasoning.events.services import NewEvent, agent_events_post
from agents.reasoning.plans.services import plan_create
from agents.reasoning.plans.text import text_to_plans
from scripts.bench import durability
from tests.support.polling import wait_until
# isort: on

MARKERS = {"durable": ("<!-- bench-reasoning:start -->", "<!-- bench-reasoning:end -->"),
           "fast": ("<!-- bench-reasoning-fast:start -->", "<!-- bench-reasoning-fast:end -->")}
CYCLES_TARGET = 5000
P95_TARGET_MS = 100

TICK_PLANS = """
@never +!tick(N) : N < 0 <- N >= 0.
@later +!tick(N) : N > 1000000000 <- N >= 0.
@tick +!tick(N) : N >= 0 <- N >= 0.
"""
RING_PLAN = '@pass ^message:inform(Token) <- .send(belief("next"), inform, {"hops": Token["hops"] + 1}).'


def organization(slug: str, agents: int, plans: str) -> tuple[Organization, list[Agent]]:
    """An organization of ``agents`` internal agents (bulk: rows and runtime rows) and its plans."""
    org = Organization.objects.create(name=f"Bench {slug}", slug=f"bench-{slug}-{uuid.uuid4().hex[:6]}",
                                      industry="bench", description="reasoning bench")
    role = AgentRole.objects.create(organization=org, name="Worker", slug="worker")
    rows = Agent.objects.bulk_create([Agent(organization=org, role=role, name=f"A{i}", slug=f"a{i}",
                                            kind=AgentKind.INTERNAL) for i in range(agents)])
    AgentRuntime.objects.bulk_create([AgentRuntime(agent=agent) for agent in rows])
    for document in text_to_plans(plans):
        plan_create(document=document, organization=org, by=run.SYSTEM)
    return org, rows


def settled(agents: list[Agent]) -> bool:
    ids = [a.pk for a in agents]
    return not (AgentEvent.objects.filter(agent_id__in=ids, consumed_at__isnull=True).exists()
                or Intention.objects.filter(agent_id__in=ids, status="running").exists())


def phase_cycles(per_agent: int) -> dict:
    _org, agents = organization("cycles", run.scaled(1000, least=50), TICK_PLANS)
    worker = run.bench_worker("reasoning-a", "reasoning,default")
    try:
        events = [NewEvent(agent=agent, kind="goal_added", args={"name": "tick", "args": [n]})
                  for n in range(per_agent) for agent in agents]
        started = timezone.now()
        with transaction.atomic():
            agent_events_post(events=events, by=run.SYSTEM)
        posted = time.monotonic()
        wait_until(lambda: settled(agents), timeout=600, interval=0.05, message="every cycle run")
        elapsed = time.monotonic() - posted
        traces = CycleTrace.objects.filter(agent__in=agents, at__gte=started)
        cycles = traces.count()
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXTRACT(EPOCH FROM max(pg_xact_commit_timestamp(xmin)) - min("
                           "pg_xact_commit_timestamp(xmin))) FROM agents_cycletrace WHERE at >= %s", [started])
            span = float(cursor.fetchone()[0] or elapsed)
        options = traces.first().options
        return {"agents": len(agents), "events": len(events), "cycles": cycles, "seconds": elapsed,
                "rate": cycles / elapsed, "commit_span_rate": cycles / span if span else None,
                "candidates": len(options), "intentions": Intention.objects.filter(agent__in=agents).count()}
    finally:
        worker.stop()


def phase_latency(seconds: float, per_second: int = 1000) -> dict:
    _org, agents = organization("latency", run.scaled(1000, least=50), TICK_PLANS)
    worker = run.bench_worker("reasoning-b", "reasoning,default")
    committed: dict[int, float] = {}
    try:
        rng = random.Random(13)  # noqa: S311 (a reproducible spread of load, not a secret)
        tick = 0.01
        per_tick = max(per_second // 100, 1)
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            due = started + n * tick
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the offered load, not waiting for a result
            with transaction.atomic():
                rows = agent_events_post(events=[NewEvent(agent=rng.choice(agents), kind="goal_added",
                                                          args={"name": "tick", "args": [n]})
                                                 for _ in range(per_tick)], by=run.SYSTEM)
            at = time.time()
            committed.update({row.pk: at for row in rows})
            n += 1
        offered = len(committed) / (time.monotonic() - started)
        wait_until(lambda: settled(agents), timeout=300, interval=0.05, message="every latency event taken")
        with connection.cursor() as cursor:
            cursor.execute("SELECT (event->>'id')::bigint, EXTRACT(EPOCH FROM pg_xact_commit_timestamp(xmin)) "
                           "FROM agents_cycletrace WHERE agent_id = ANY(%s) AND event IS NOT NULL",
                           [[str(a.pk) for a in agents]])
            taken = dict(cursor.fetchall())
        latencies = sorted((float(taken[pk]) - at) * 1000 for pk, at in committed.items() if pk in taken)
        return {"events": len(committed), "offered_per_second": offered, "measured": len(latencies),
                "p50_ms": statistics.median(latencies), "p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
                "p99_ms": latencies[int(0.99 * (len(latencies) - 1))], "max_ms": latencies[-1]}
    finally:
        worker.stop()


def phase_ring(seconds: float, agents_n: int = 500, tokens: int = 100) -> dict:
    _org, agents = organization("ring", run.scaled(agents_n, least=20), RING_PLAN)
    n = len(agents)
    Belief.objects.bulk_create([Belief(agent=agent, key="next", value=str(agents[(i + 1) % n].pk), source="bench")
                                for i, agent in enumerate(agents)])
    worker = run.bench_worker("reasoning-c", "messages,reasoning,default")
    try:
        stride = max(n // max(run.scaled(tokens, least=5), 1), 1)
        for t in range(0, n, stride):
            message_send(organization=agents[t].organization, sender_agent=agents[t], by=run.SYSTEM,
                         performative="inform", to=[agents[(t + 1) % n].pk], content={"hops": 0})
        ids = [a.pk for a in agents]
        time.sleep(2)  # warm-up: the ring fills with tokens before the window opens
        before, t0 = Message.objects.filter(sender_agent_id__in=ids).count(), time.monotonic()
        time.sleep(seconds)  # the measuring window itself
        after, t1 = Message.objects.filter(sender_agent_id__in=ids).count(), time.monotonic()
        in_flight = Message.objects.filter(sender_agent_id__in=ids).count() - after
        return {"agents": n, "tokens": len(range(0, n, stride)), "seconds": t1 - t0, "hops": after - before,
                "hops_per_second": (after - before) / (t1 - t0), "after_window": in_flight}
    finally:
        worker.stop()


def render(r: dict) -> str:
    m, db = r["machine"], r["database"]
    ok = durability.is_durable(db)
    start, end = MARKERS[durability.mode(db)]
    a, b, c = r["cycles"], r["latency"], r["ring"]

    def verdict(met: bool) -> str:
        return "not judged: not durable" if not ok else ("met" if met else "**missed**")

    return "\n".join([
        start,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}.",
        durability.describe(db),
        "",
        "One Celery worker (prefork, concurrency 2, with beat) per phase, REASONING_BATCH_SIZE="
        f"{r['batch_size']}, on this one machine.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| (a) {a['agents']} agents, {a['events']} goal events posted at once, {a['candidates']} candidate plans "
        f"per event (2 with a false context), one step each, a trace row per cycle | **{a['rate']:.0f} cycles/s** "
        f"({a['cycles']} cycles in {a['seconds']:.1f} s; {a['intentions']} intentions) | ≥ {CYCLES_TARGET} "
        f"cycles/s: {verdict(a['rate'] >= CYCLES_TARGET)} |",
        f"| (b) goal events offered at {b['offered_per_second']:.0f}/s for {r['seconds']:.0f} s to 1,000 agents; "
        f"event commit → commit of the cycle that took it (and ran its first step) | **p95 {b['p95_ms']:.1f} ms** "
        f"(p50 {b['p50_ms']:.1f}, p99 {b['p99_ms']:.1f}, max {b['max_ms']:.1f}; {b['measured']} of "
        f"{b['events']} events) | p95 ≤ {P95_TARGET_MS} ms: {verdict(b['p95_ms'] <= P95_TARGET_MS)} |",
        f"| (c) token ring: {c['agents']} agents, {c['tokens']} tokens; each hop a delivered message → event → "
        f"plan → send | **{c['hops_per_second']:.0f} hops/s** ({c['hops']} hops in {c['seconds']:.1f} s) | "
        "(reference) |",
        end,
    ])


def write_report(result: dict) -> None:
    run.block_write(render(result), MARKERS[durability.mode(result["database"])], heading="## Reasoning")


def main() -> int:
    db = durability.bench_database(connection)
    if db is None:
        return 2
    from django.conf import settings

    seconds = run.scaled(float(os.environ.get("BENCH_REASONING_SECONDS", "15")), least=3)
    result = {"machine": run.machine(), "database": db, "seconds": seconds,
              "batch_size": settings.REASONING["BATCH_SIZE"],
              "cycles": phase_cycles(run.scaled(int(os.environ.get("BENCH_REASONING_EVENTS", "20")), least=2)),
              "latency": phase_latency(seconds), "ring": phase_ring(seconds)}
    return run.phase_end(result, write_report)


if __name__ == "__main__":
    threading.excepthook = lambda args: print(f"[bench] thread failed: {args.exc_value}", file=sys.stderr)
    sys.exit(main())
