#!/usr/bin/env python
"""`make bench` phase `backlog`: a backlog after an idle night, drained by a real worker.

First the steady state, as phase (a) measures it (scripts/bench/run.py, same worker, same database). Then the
idle state: the delivery table is analyzed while the queue is empty, autoanalyze is held off so the
statistics stay that stale, 100,000 messages are sent with no worker running, and a worker starts.
Reported: the drain rate (deliveries handed over per second, from the worker's first hand-over to its
last) against the steady-state rate (target: within 20 %), and the worst and median time of the worker's
claim (``delivery_claim``, 500 rows), timed alone for the first batches against the stale statistics.

Runs inside scripts/testenv.py like run.py. ``BENCH_BACKLOG`` sets the message count; ``BENCH_SCALE``
scales both phases for a check of the bench (writes nothing to docs/).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# isort: off
from scripts.bench import run  # first: it sets Django up, as every bench phase does

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from agents.models import Delivery
from agents.messaging.services.batch import message_send_batch
from agents.messaging.services.delivery import delivery_claim, delivery_hand_over
from scripts.bench import durability
from tests.support.polling import wait_until
# isort: on

BATCH = 500
#: The drain rate must be within this fraction of the steady-state rate (a).
WITHIN = 0.20
MARKERS = {"durable": ("<!-- bench-backlog:start -->", "<!-- bench-backlog:end -->"),
           "fast": ("<!-- bench-backlog-fast:start -->", "<!-- bench-backlog-fast:end -->")}


def analyze_empty_and_hold() -> None:
    """The idle state: statistics of an empty queue, and no autoanalyze to refresh them during the burst."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # a data set for the bench, not a request
        cursor.execute("TRUNCATE agents_agentevent, agents_delivery CASCADE")
        cursor.execute("ALTER TABLE agents_delivery SET (autovacuum_enabled = false)")
        cursor.execute("VACUUM ANALYZE agents_delivery")


def release_autovacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE agents_delivery RESET (autovacuum_enabled)")


def send_backlog(agents: list, total: int) -> float:
    started = time.monotonic()
    org = agents[0].organization
    for base in range(0, total, BATCH):
        items = [{"sender_agent": agents[(base + i) % len(agents)], "performative": "inform",
                  "content": {"n": base + i}, "to": [agents[(base + i + 1) % len(agents)].pk]}
                 for i in range(min(BATCH, total - base))]
        message_send_batch(organization=org, by=run.SYSTEM, messages=items)
    return time.monotonic() - started


def time_claims(rounds: int) -> list[float]:
    """The worker's own claim, timed alone, against the stale statistics; each batch is then handed over."""
    times = []
    for _ in range(rounds):
        started = time.monotonic()
        rows, _deferred = delivery_claim(batch_size=BATCH, now=timezone.now())
        times.append((time.monotonic() - started) * 1000)
        assert rows, "nothing claimed from a backlog"
        delivery_hand_over(rows)
    return times


def phase_backlog(agents: list, total: int) -> dict:
    analyze_empty_and_hold()
    try:
        send_seconds = send_backlog(agents, total)
        claims = time_claims(rounds=max(2, min(20, total // BATCH // 5)))
        worker_started = timezone.now()
        worker = run.bench_worker("backlog")
        try:
            wait_until(lambda: run.pending() == 0, timeout=900, interval=0.5, message="the backlog drained")
        finally:
            worker.stop()
    finally:
        release_autovacuum()
    drained = Delivery.objects.filter(delivered_at__gte=worker_started)
    first, last = drained.aggregate(first=Min("delivered_at"), last=Max("delivered_at")).values()
    count = drained.count()
    seconds = (last - first).total_seconds()
    return {"messages": total, "send_seconds": send_seconds, "drained_by_worker": count,
            "hand_over_seconds": seconds, "drain_rate": count / seconds, "claim_batch": BATCH,
            "claims_timed": len(claims), "claim_ms_worst": max(claims), "claim_ms_median": statistics.median(claims)}


def render(result: dict) -> str:
    db, m, steady, backlog = result["database"], result["machine"], result["steady"], result["backlog"]
    start, end = MARKERS[durability.mode(db)]
    ratio = backlog["drain_rate"] / steady["end_to_end_rate"]
    ok = ratio >= 1 - WITHIN
    verdict = "not judged: not durable" if not durability.is_durable(db) else ("met" if ok else "**missed**")
    return "\n".join([
        start,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, Python {m['python']}. "
        + durability.describe(db),
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| steady state, as (a): {steady['senders']} sender processes, {steady['messages']} messages, worker "
        f"running | {steady['end_to_end_rate']:.0f} msg/s | (reference) |",
        f"| backlog: table analyzed empty, autoanalyze held off, {backlog['messages']} messages sent with no "
        f"worker ({backlog['send_seconds']:.1f} s), then one worker (concurrency 2) drains "
        f"{backlog['drained_by_worker']} of them | **{backlog['drain_rate']:.0f} msg/s** "
        f"({ratio:.0%} of the steady state) | within {WITHIN:.0%} of the steady state: {verdict} |",
        f"| claim of {backlog['claim_batch']} rows against those stale statistics ({backlog['claims_timed']} "
        f"claims timed alone) | worst {backlog['claim_ms_worst']:.1f} ms, median "
        f"{backlog['claim_ms_median']:.1f} ms | (reference; before this fix ≈ 930 ms with a 6 000-message "
        "backlog, ≈ 2.6 ms after ANALYZE, as reported in issue 20) |",
        end,
    ])


def write_report(result: dict) -> None:
    run.block_write(render(result), MARKERS[durability.mode(result["database"])])


def main() -> int:
    db = durability.bench_database(connection)
    if db is None:
        return 2
    agents = run.setup_agents()
    worker = run.bench_worker("steady")
    try:
        steady = run.phase_throughput(agents)
    finally:
        worker.stop()
    backlog = phase_backlog(agents, run.scaled(int(os.environ.get("BENCH_BACKLOG", "100000")), least=BATCH * 4))
    result = {"machine": run.machine(), "database": db, "steady": steady, "backlog": backlog}
    print(json.dumps(result, indent=2, default=str))
    connection.close()
    if run.SCALE != 1:
        print(f"[bench] BENCH_SCALE={run.SCALE}: a check of the bench, not written to docs/", file=sys.stderr)
        return 0
    write_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
