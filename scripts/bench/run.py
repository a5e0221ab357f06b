#!/usr/bin/env python
"""`make bench`: messaging throughput and latency, and HTTP send throughput, written to docs/benchmarks.md.

Runs inside scripts/testenv.py (a throwaway PostgreSQL and Redis; `make bench`
starts PostgreSQL durable, see scripts/bench/durability.py). Starts one Celery
worker (concurrency 2) like the fault tests do. Load goes to 127.0.0.1 only and
every phase is bounded in count and time.

``BENCH_SCALE`` (default 1) scales every phase's size and duration, for a quick
check of the bench itself (``BENCH_SCALE=0.1``); a scaled run writes nothing to
docs/, like ``BENCH_ONLY``.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.chdir(REPO)

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

from agents.messaging.services.batch import message_send_batch  # noqa: E402
from agents.messaging.services.send import message_send  # noqa: E402
from agents.models import Agent, Delivery, Organization  # noqa: E402
from auditlog.actors import Actor  # noqa: E402
from scripts.bench import durability, httpload  # noqa: E402
from tests.support.polling import wait_until  # noqa: E402
from tests.support.processes import BIN, Process, process_env  # noqa: E402

SYSTEM = Actor.system("bench")
OUT = REPO / "docs" / "benchmarks.md"
TMP = Path(os.environ.get("MABOS_TEST_RUN_DIR", "/tmp"))
AGENTS = 10
SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def scaled(n: float, least: int = 1) -> int:
    return max(int(n * SCALE), least)


def setup_agents() -> list[Agent]:
    """The bench's 10 internal agents: their inbox is their event queue (AgentEvent rows), so a hand-over is
    also the ack."""
    from agents.models import AgentKind
    from tests.support.factories import AgentFactory, OrganizationFactory

    org = Organization.objects.filter(slug="bench").first() or OrganizationFactory(slug="bench", name="Bench")
    return (list(Agent.objects.filter(organization=org, kind=AgentKind.INTERNAL))
            or [AgentFactory(organization=org, kind=AgentKind.INTERNAL) for _ in range(AGENTS)])


def acked(since: datetime.datetime) -> int:
    return Delivery.objects.filter(sent_at__gte=since, status="acked").count()


def sender_thread(agents: list[Agent], count: int, offset: int) -> None:
    from django.db import connection as conn

    for i in range(count):
        sender = agents[(i + offset) % len(agents)]
        recipient = agents[(i + offset + 1) % len(agents)]
        message_send(organization=sender.organization, sender_agent=sender, by=SYSTEM, performative="inform",
                     content={"n": i}, to=[recipient.pk])
    conn.close()


def phase_per_message(agents: list[Agent], total: int = 4_000, threads: int = 8) -> dict:
    """(a', for comparison) the old way: N threads of this process, one message per transaction."""
    total = scaled(total, threads)
    since = datetime.datetime.now(datetime.UTC)
    started = time.monotonic()
    per = total // threads
    pool = [threading.Thread(target=sender_thread, args=(agents, per, k * 7)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    sent_s = time.monotonic() - started
    wait_until(lambda: acked(since) >= per * threads, timeout=300, interval=0.2, message="all acked")
    total_s = time.monotonic() - started
    return {"messages": per * threads, "threads": threads, "send_rate": per * threads / sent_s,
            "end_to_end_rate": per * threads / total_s}


def batch_sender(agents: list[Agent], batches: int, size: int, offset: int) -> None:
    """One sender process: ``batches`` calls of message_send_batch, ``size`` messages each, one recipient each."""
    connections.close_all()  # the parent's connection must not be shared by the forked child
    org = agents[0].organization
    for b in range(batches):
        base = offset + b * size
        items = [{"sender_agent": agents[(base + i) % len(agents)], "performative": "inform", "content": {"n": i},
                  "to": [agents[(base + i + 1) % len(agents)].pk]} for i in range(size)]
        message_send_batch(organization=org, by=SYSTEM, messages=items)
    connections.close_all()


def pending() -> int:
    return Delivery.objects.filter(status__in=("pending", "dispatched")).count()


def phase_throughput(agents: list[Agent], total: int = 60_000, senders: int | None = None,
                     size: int | None = None) -> dict:
    """(a) in-process batch sends to internal agents: ``senders`` processes call message_send_batch (the
    service, no HTTP) as fast as they can; end-to-end until every delivery is acked. A monitor samples the
    undelivered backlog every 0.25 s: a backlog that grows while sending means delivery, not sending, is the
    bound."""
    senders = senders or int(os.environ.get("BENCH_SENDERS", "2"))
    size = size or int(os.environ.get("BENCH_BATCH", "500"))
    batches = max(scaled(total) // (senders * size), 1)
    messages = batches * senders * size
    connections.close_all()
    since = datetime.datetime.now(datetime.UTC)
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def monitor() -> None:
        while not done.is_set():
            samples.append((time.monotonic() - started, pending()))
            done.wait(0.25)
        connection.close()

    started = time.monotonic()
    watcher = threading.Thread(target=monitor)
    watcher.start()
    ctx = multiprocessing.get_context("fork")
    pool = [ctx.Process(target=batch_sender, args=(agents, batches, size, k * 7919)) for k in range(senders)]
    for p in pool:
        p.start()
    for p in pool:
        p.join(timeout=300)
        if p.exitcode != 0:
            raise RuntimeError(f"a bench sender failed (exit code {p.exitcode})")
    sent_s = time.monotonic() - started
    backlog_at_send_end = pending()
    wait_until(lambda: acked(since) >= messages, timeout=300, interval=0.2, message="all acked")
    total_s = time.monotonic() - started
    done.set()
    watcher.join()
    return {"messages": messages, "senders": senders, "batch_size": size, "send_seconds": sent_s,
            "end_to_end_seconds": total_s, "send_rate": messages / sent_s, "end_to_end_rate": messages / total_s,
            "backlog_at_send_end": backlog_at_send_end, "backlog_peak": max((n for _t, n in samples), default=0),
            "drain_seconds": total_s - sent_s}


# Phase (b)'s clock: the commit time PostgreSQL recorded (track_commit_timestamp) for the transaction that
# wrote the message (never updated afterwards) and for the one that last wrote its delivery, which for an
# internal agent is the hand-over (message event stored, runtime woken and delivery acked in one transaction;
# acked is final).
_HANDOVER_MS = """
SELECT EXTRACT(EPOCH FROM pg_xact_commit_timestamp(d.xmin) - pg_xact_commit_timestamp(m.xmin)) * 1000
FROM agents_delivery d JOIN agents_message m ON m.id = d.message_id
WHERE d.sent_at >= %s AND d.status = 'acked'
"""


def handover_latencies(since: datetime.datetime) -> list[float]:
    """Send commit → hand-over commit of every delivery since ``since``, in ms, sorted; both ends are commit
    times the same server recorded, so neither the sender's nor the worker's clock or queueing is in them."""
    with connection.cursor() as cursor:
        cursor.execute(_HANDOVER_MS, [since])
        return sorted(float(ms) for (ms,) in cursor.fetchall())


def phase_latency(agents: list[Agent], rate: int = 200, seconds: int = 15, threads: int = 4) -> dict:
    """(b) a steady offered load of single in-process sends; latency = send commit → hand-over commit.

    Open loop: send ``i`` is due at ``start + i / rate`` whatever happened to the others, taken in turn by
    ``threads`` senders, so a durable commit that takes a few milliseconds does not lower the offered rate."""
    since = datetime.datetime.now(datetime.UTC)
    seconds = max(seconds * SCALE, 2.0)
    interval, count = 1.0 / rate, int(rate * seconds)
    start = time.monotonic()

    def sender(k: int) -> None:
        from django.db import connection as conn

        for i in range(k, count, threads):
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            message_send(organization=agents[0].organization, sender_agent=agents[i % AGENTS], by=SYSTEM,
                         performative="inform", content={"n": i}, to=[agents[(i + 1) % AGENTS].pk])
        conn.close()

    pool = [threading.Thread(target=sender, args=(k,)) for k in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    achieved = count / (time.monotonic() - start)
    wait_until(lambda: acked(since) >= count, timeout=120, interval=0.2, message="latency phase acked")
    lat = handover_latencies(since)
    q = statistics.quantiles(lat, n=100)
    return {"offered_rate": rate, "achieved_rate": achieved, "count": len(lat), "p50_ms": q[49], "p95_ms": q[94],
            "p99_ms": q[98], "max_ms": lat[-1], "sender_threads": threads,
            "clock": "commit timestamps (track_commit_timestamp)"}


def web_phases(agents: list[Agent], only: str = "") -> dict:
    """(a'') and (c) against one gunicorn."""
    out = {}
    with httpload.web_tier(agents, SYSTEM) as web:
        if only in ("", "http_batch"):
            out["http_batch"] = httpload.phase_http_batch(web, agents, acked=acked, total=scaled(60_000, 1000))
            wait_until(lambda: pending() == 0, timeout=120, interval=0.1, message="(a'') delivered")
        if only in ("", "http"):
            out["http"] = httpload.phase_http(web, agents, pending=pending, seconds=max(10 * SCALE, 2.0))
    return out


def block_write(block: str, markers: tuple[str, str], heading: str = "") -> None:
    """Put a phase's block (its start and end markers included) into docs/benchmarks.md: in place of the last
    run's, or appended (under ``heading``) the first time; the hand-written analysis around it is kept."""
    text = OUT.read_text()
    start, end = markers
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + (f"{heading}\n\n" if heading else "") + block + "\n"
    OUT.write_text(text)


def bench_worker(name: str, queues: str = "messages,default") -> Process:
    """One Celery worker (prefork, concurrency 2, with beat) on ``queues``, answering before it is used."""
    worker = Process([str(BIN / "celery"), "-A", "config", "worker", "--beat",
                      f"--schedule={TMP / f'bench-{name}-beat'}", "--loglevel=WARNING", f"--hostname={name}@%h",
                      f"--queues={queues}", "--concurrency=2", "--without-gossip", "--without-mingle",
                      "--without-heartbeat"], process_env(MABOS_PROCESS_ROLE="worker"),
                     TMP / f"bench-{name}-worker.log").start()
    from mabos.tasks import ping

    wait_until(lambda: ping.apply_async(expires=5).get(timeout=3) == {"pong": True}, timeout=60,
               message=f"the {name} worker answering")
    return worker


def phase_end(result: dict, write: Callable[[dict], None]) -> int:
    """Every phase's end: its figures printed as JSON, its connection closed, then ``write(result)`` puts them
    into docs/benchmarks.md, unless this is a check of the bench (``BENCH_SCALE`` or ``BENCH_ONLY``)."""
    print(json.dumps(result, indent=2, default=str))
    connection.close()
    if SCALE != 1 or os.environ.get("BENCH_ONLY"):
        print("[bench] a check of the bench (BENCH_SCALE or BENCH_ONLY): not written to docs/", file=sys.stderr)
        return 0
    write(result)
    return 0


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "platform": platform.platform(),
            "python": platform.python_version(), "date": now}


def main() -> int:
    print(f"[bench] {durability.describe(durability.pg_settings(connection))}", file=sys.stderr)
    settings = durability.bench_database(connection, commit_timestamps="phase (b)")
    if settings is None:
        return 2
    agents = setup_agents()
    worker = Process([str(BIN / "celery"), "-A", "config", "worker", "--beat", f"--schedule={TMP / 'bench-beat'}",
                      "--loglevel=WARNING", "--hostname=bench@%h", "--queues=messages,default", "--concurrency=2",
                      "--without-gossip", "--without-mingle", "--without-heartbeat"],
                     process_env(MABOS_PROCESS_ROLE="worker"), TMP / "bench-worker.log").start()
    try:
        from mabos.tasks import ping

        wait_until(lambda: ping.apply_async(expires=5).get(timeout=3) == {"pong": True}, timeout=60,
                   message="the bench worker answering")
        only = os.environ.get("BENCH_ONLY", "")
        if only:  # a quick look at one phase alone; writes nothing to docs/
            phases = {"throughput": phase_throughput, "per_message": phase_per_message, "latency": phase_latency,
                      "http_batch": lambda a: web_phases(a, "http_batch"), "http": lambda a: web_phases(a, "http")}
            print(json.dumps({"database": settings, only: phases[only](agents)}, indent=2))
            return 0
        results = {"machine": machine(), "database": settings, "scale": SCALE,
                   "throughput": phase_throughput(agents), "per_message": phase_per_message(agents),
                   "latency": phase_latency(agents), **web_phases(agents)}
    finally:
        worker.stop()
        connection.close()
    print(json.dumps(results, indent=2))
    (TMP / "bench-results.json").write_text(json.dumps(results, indent=2))
    if SCALE != 1:
        print(f"[bench] BENCH_SCALE={SCALE}: a check of the bench, not written to docs/", file=sys.stderr)
        return 0
    subprocess.run([sys.executable, str(REPO / "scripts" / "bench" / "report.py"), str(TMP / "bench-results.json")],
                   check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
