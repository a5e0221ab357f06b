#!/usr/bin/env python
"""`make bench` phase `backlog`: a backlog after an idle night, drained by a real worker.

The delivery table is analyzed while the queue is empty (its normal idle state), autoanalyze is held off
so the statistics stay that stale, 100,000 messages are sent with no worker running, then a worker starts.
Reported: the drain rate (messages handed over per second, from the first hand-over to the last) and
the worst and the median time of the worker's claim (``delivery_claim``), timed alone in this process for
the first batches against the stale statistics, before the worker starts.

Runs inside scripts/testenv.py like scripts/bench/run.py. ``BENCH_BACKLOG`` sets the message count.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.chdir(REPO)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from agents.models import Agent, Delivery, Organization  # noqa: E402
from agents.services.messaging.batch import message_send_batch  # noqa: E402
from agents.services.messaging.delivery import delivery_claim, delivery_hand_over  # noqa: E402
from auditlog.actors import Actor  # noqa: E402
from tests.support.polling import wait_until  # noqa: E402
from tests.support.processes import BIN, Process, process_env  # noqa: E402

SYSTEM = Actor.system("bench")
TMP = Path(os.environ.get("MABOS_TEST_RUN_DIR", "/tmp"))
AGENTS = 10
BATCH = 500


def setup_agents() -> list[Agent]:
    from tests.agents.factories import AgentFactory, OrganizationFactory

    org = Organization.objects.filter(slug="bench-backlog").first() or OrganizationFactory(
        slug="bench-backlog", name="Bench backlog")
    return list(Agent.objects.filter(organization=org)) or [AgentFactory(organization=org) for _ in range(AGENTS)]


def analyze_empty_and_hold() -> None:
    """The idle state: statistics of an empty queue, and no autoanalyze to refresh them during the burst."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE agents_delivery SET (autovacuum_enabled = false)")
        cursor.execute("ANALYZE agents_delivery")


def release_autovacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE agents_delivery RESET (autovacuum_enabled)")


def send_backlog(agents: list[Agent], total: int) -> float:
    started = time.monotonic()
    org = agents[0].organization
    for base in range(0, total, BATCH):
        items = [{"sender_agent": agents[(base + i) % AGENTS], "performative": "inform", "content": {"n": base + i},
                  "to": [agents[(base + i + 1) % AGENTS].pk]} for i in range(min(BATCH, total - base))]
        message_send_batch(organization=org, by=SYSTEM, messages=items)
    return time.monotonic() - started


def time_claims(rounds: int = 20, batch_size: int = BATCH) -> list[float]:
    """The worker's own claim, timed alone, against the stale statistics; each batch is then handed over."""
    times = []
    for _ in range(rounds):
        started = time.monotonic()
        rows, _deferred = delivery_claim(batch_size=batch_size, now=timezone.now())
        times.append((time.monotonic() - started) * 1000)
        assert rows, "nothing claimed from a backlog"
        delivery_hand_over(rows)
    return times


def pending() -> int:
    return Delivery.objects.filter(status__in=("pending", "dispatched", "failed")).count()


def main() -> int:
    call_command("migrate", verbosity=0)
    total = int(os.environ.get("BENCH_BACKLOG", "100000"))
    agents = setup_agents()
    analyze_empty_and_hold()
    try:
        send_seconds = send_backlog(agents, total)
        claims = time_claims()
        worker = Process([str(BIN / "celery"), "-A", "config", "worker", "--beat",
                          f"--schedule={TMP / 'bench-backlog-beat'}", "--loglevel=WARNING",
                          "--hostname=backlog@%h", "--queues=messages,default", "--concurrency=2",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"],
                         process_env(MABOS_PROCESS_ROLE="worker"), TMP / "bench-backlog-worker.log").start()
        started, worker_started = time.monotonic(), timezone.now()
        try:
            wait_until(lambda: pending() == 0, timeout=900, interval=0.5,
                       message=f"the backlog drained (worker log: {TMP / 'bench-backlog-worker.log'})")
        finally:
            drain_seconds = time.monotonic() - started
            worker.stop()
    finally:
        release_autovacuum()
    first, last = Delivery.objects.filter(delivered_at__gte=worker_started).aggregate(
        first=Min("delivered_at"), last=Max("delivered_at")).values()
    handing_over = (last - first).total_seconds()
    drained = Delivery.objects.filter(delivered_at__gte=worker_started).count()
    result = {"messages": total, "send_seconds": round(send_seconds, 1),
              "drain_seconds": round(drain_seconds, 1), "hand_over_seconds": round(handing_over, 1),
              "drain_rate": round(drained / handing_over), "drained_by_worker": drained,
              "claim_ms_worst": round(max(claims), 1), "claim_ms_median": round(statistics.median(claims), 1),
              "claim_batch": BATCH}
    print(json.dumps(result, indent=2))
    (TMP / "bench-backlog.json").write_text(json.dumps(result, indent=2))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
