#!/usr/bin/env python
"""`make bench`: messaging throughput and latency, and HTTP send throughput, written to docs/benchmarks.md.

Runs inside scripts/testenv.py (a throwaway PostgreSQL and Redis). Starts one
Celery worker (concurrency 2) like the fault tests do. Load goes to 127.0.0.1
only and every phase is bounded in count and time.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.chdir(REPO)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from agents.models import Agent, Delivery, Organization  # noqa: E402
from agents.services.messaging.batch import message_send_batch  # noqa: E402
from agents.services.messaging.send import message_send  # noqa: E402
from auditlog.actors import Actor  # noqa: E402
from scripts.bench import cpu  # noqa: E402
from tests.support.polling import wait_until  # noqa: E402
from tests.support.processes import BIN, Process, free_port, process_env  # noqa: E402

SYSTEM = Actor.system("bench")
OUT = REPO / "docs" / "benchmarks.md"
TMP = Path(os.environ.get("MABOS_TEST_RUN_DIR", "/tmp"))
AGENTS = 10


def setup_agents() -> list[Agent]:
    from tests.agents.factories import AgentFactory, OrganizationFactory

    org = Organization.objects.filter(slug="bench").first() or OrganizationFactory(slug="bench", name="Bench")
    return list(Agent.objects.filter(organization=org)) or [AgentFactory(organization=org) for _ in range(AGENTS)]


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
    """(a, for comparison) the old way: N threads of this process, one message per transaction."""
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
    """(a) ``senders`` processes call message_send_batch as fast as they can; end-to-end until every delivery
    is acked. A monitor samples the undelivered backlog every 0.25 s: a backlog that grows while sending means
    delivery, not sending, is the bound."""
    senders = senders or int(os.environ.get("BENCH_SENDERS", "2"))
    size = size or int(os.environ.get("BENCH_BATCH", "500"))
    batches = total // (senders * size)
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


def phase_latency(agents: list[Agent], rate: int = 200, seconds: int = 15) -> dict:
    """(b) a steady offered load; latency = delivered_at - sent_at of each delivery."""
    since = datetime.datetime.now(datetime.UTC)
    interval, count = 1.0 / rate, rate * seconds
    start = time.monotonic()
    for i in range(count):
        target = start + i * interval
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        message_send(organization=agents[0].organization, sender_agent=agents[i % AGENTS], by=SYSTEM,
                     performative="inform", content={"n": i}, to=[agents[(i + 1) % AGENTS].pk])
    achieved = count / (time.monotonic() - start)
    wait_until(lambda: acked(since) >= count, timeout=120, interval=0.2, message="latency phase acked")
    rows = Delivery.objects.filter(sent_at__gte=since).values_list("sent_at", "delivered_at")
    lat = sorted((d - s).total_seconds() * 1000 for s, d in rows)
    q = statistics.quantiles(lat, n=100)
    return {"offered_rate": rate, "achieved_rate": achieved, "count": len(lat), "p50_ms": q[49], "p95_ms": q[94],
            "p99_ms": q[98], "max_ms": lat[-1]}


def http_rate(url: str, body: dict, headers: dict, seconds: float = 10, clients: int = 16) -> float:
    data = json.dumps(body).encode()
    deadline = time.monotonic() + seconds
    counts = [0] * clients
    errors = [0] * clients

    def run(k: int) -> None:
        while time.monotonic() < deadline:
            req = urllib.request.Request(url, data=data, method="POST",  # noqa: S310 (127.0.0.1 only)
                                         headers={"Content-Type": "application/json", **headers})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (127.0.0.1 only)
                    resp.read()
                    counts[k] += resp.status in (200, 201)
            except Exception:
                errors[k] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    if sum(errors):
        print(f"[bench] {sum(errors)} HTTP errors on {url}", file=sys.stderr)
    return sum(counts) / (time.monotonic() - started)


def with_cpu(measure: Callable[[], float]) -> tuple[float, dict[str, float]]:
    """(rate, CPU ms per request by process role): snapshots around ``measure`` and until every message it
    sent is delivered, so the worker's share of a send is counted too."""
    before, started = cpu.snapshot(), time.monotonic()
    rate = measure()
    requests = rate * (time.monotonic() - started)
    wait_until(lambda: pending() == 0, timeout=120, interval=0.1, message="the measured sends delivered")
    return rate, cpu.per_request(before, cpu.snapshot(), requests)


def phase_http(agents: list[Agent]) -> dict:
    """(c) POST /api/v1/messages/ vs a bare DRF echo, same gunicorn settings, same run."""
    from agents.models import AgentKind
    from agents.services.keys import agent_key_create
    from tests.agents.factories import AgentFactory
    from tests.support.api import create_user, tokens_for

    # Two callers: an external agent's runtime sending as itself (the high-volume path, not audited),
    # and an operator speaking as an agent (audited: one hash-chained audit event per send).
    runtime = AgentFactory(organization=agents[0].organization, kind=AgentKind.EXTERNAL)
    _key, raw_key = agent_key_create(agent=runtime, by=SYSTEM, name="bench")
    token = tokens_for(create_user(is_superuser=True, is_staff=True))["access"]
    port = free_port()
    env = process_env(HOST="127.0.0.1", PORT=str(port), THROTTLE_USER_RATE="100000000/hour",
                      THROTTLE_ANON_RATE="100000000/hour")
    web = Process([str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "scripts.bench.wsgi:application"], env,
                  TMP / "bench-gunicorn.log").start()
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: urllib.request.urlopen(f"{base}/health/live/", timeout=2).status == 200,  # noqa: S310
               timeout=30)
    body = {"performative": "inform", "to": [str(agents[1].pk)], "content": {"text": "hello", "n": 1}}
    as_operator = {**body, "sender": str(agents[0].pk)}
    key_header = {"Authorization": f"Agent {raw_key}"}
    try:
        http_rate(f"{base}/bench/echo/", body, {}, seconds=2)  # warm up
        http_rate(f"{base}/api/v1/messages/", body, key_header, seconds=2)
        wait_until(lambda: pending() == 0, timeout=60, interval=0.1, message="warm-up delivered")
        echo, echo_cpu = with_cpu(lambda: http_rate(f"{base}/bench/echo/", body, {}))
        send, send_cpu = with_cpu(lambda: http_rate(f"{base}/api/v1/messages/", body, key_header))
        operator = http_rate(f"{base}/api/v1/messages/", as_operator, {"Authorization": f"Bearer {token}"},
                             seconds=5)
    finally:
        web.stop()
    return {"echo_rate": echo, "send_rate": send, "ratio": send / echo, "operator_send_rate": operator,
            "echo_cpu_ms": echo_cpu, "send_cpu_ms": send_cpu,
            "web_concurrency": env.get("WEB_CONCURRENCY", "2 (default)"), "web_threads": env.get("WEB_THREADS",
                                                                                                "4 (default)")}


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "platform": platform.platform(),
            "python": platform.python_version(), "date": now}


def main() -> int:
    call_command("migrate", verbosity=0)
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
            phases = {"throughput": phase_throughput, "latency": phase_latency, "http": phase_http}
            print(json.dumps(phases[only](agents), indent=2))
            return 0
        results = {"machine": machine(), "throughput": phase_throughput(agents),
                   "per_message": phase_per_message(agents), "latency": phase_latency(agents),
                   "http": phase_http(agents)}
    finally:
        worker.stop()
        connection.close()
    print(json.dumps(results, indent=2))
    (TMP / "bench-results.json").write_text(json.dumps(results, indent=2))
    subprocess.run([sys.executable, str(REPO / "scripts" / "bench" / "report.py"), str(TMP / "bench-results.json")],
                   check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
