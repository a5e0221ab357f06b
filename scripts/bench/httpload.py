"""The HTTP phases of `make bench`: (a'') batch sends over HTTP and (c) single sends against a bare echo.

Both run against one gunicorn (config/gunicorn.py, the default 2 workers x 4
threads) serving MABOS plus the bench's echo endpoint (scripts/bench/wsgi.py),
with the caller an external agent's runtime holding an agent key, sending as
itself to the bench's internal agents. Load goes to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.bench import cpu
from tests.support.polling import wait_until
from tests.support.processes import BIN, Process, free_port, process_env

TMP = Path(os.environ.get("MABOS_TEST_RUN_DIR", "/tmp"))


@dataclass
class Web:
    base: str
    key_header: dict[str, str]
    jwt_header: dict[str, str]
    env: dict[str, str]


@contextlib.contextmanager
def web_tier(agents: list[Any], system: Any) -> Iterator[Web]:
    """gunicorn on a free port, an external agent with a key, and a superuser's JWT; stopped afterwards."""
    from agents.keys.services import agent_key_create
    from agents.models import AgentKind
    from tests.support.api import create_user, tokens_for
    from tests.support.factories import AgentFactory

    runtime = AgentFactory(organization=agents[0].organization, kind=AgentKind.EXTERNAL)
    _key, raw_key = agent_key_create(agent=runtime, by=system, name="bench")
    token = tokens_for(create_user(is_superuser=True, is_staff=True))["access"]
    port = free_port()
    env = process_env(HOST="127.0.0.1", PORT=str(port), THROTTLE_USER_RATE="100000000/hour",
                      THROTTLE_ANON_RATE="100000000/hour")
    web = Process([str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "scripts.bench.wsgi:application"], env,
                  TMP / "bench-gunicorn.log").start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(f"{base}/health/live/", timeout=2).status == 200,  # noqa: S310
                   timeout=30)
        yield Web(base, {"Authorization": f"Agent {raw_key}"}, {"Authorization": f"Bearer {token}"}, env)
    finally:
        web.stop()


def post(url: str, data: bytes, headers: dict[str, str], timeout: float = 30) -> int:
    req = urllib.request.Request(url, data=data, method="POST",  # noqa: S310 (127.0.0.1 only)
                                 headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (127.0.0.1 only)
        resp.read()
        return resp.status


def http_rate(url: str, body: dict, headers: dict, seconds: float = 10, clients: int = 16) -> float:
    """Successful requests per second of ``clients`` threads posting ``body`` for ``seconds``."""
    data = json.dumps(body).encode()
    deadline = time.monotonic() + seconds
    counts = [0] * clients
    errors = [0] * clients

    def run(k: int) -> None:
        while time.monotonic() < deadline:
            try:
                counts[k] += post(url, data, headers, timeout=10) in (200, 201)
            except Exception:
                errors[k] += 1

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    if sum(errors):
        print(f"[bench] {sum(errors)} HTTP errors on {url}", file=sys.stderr)
    return sum(counts) / (time.monotonic() - started)


def with_cpu(measure: Callable[[], float], pending: Callable[[], int]) -> tuple[float, dict[str, float]]:
    """(rate, CPU ms per request by process role): snapshots around ``measure`` and until every message it
    sent is delivered, so the worker's share of a send is counted too."""
    before, started = cpu.snapshot(), time.monotonic()
    rate = measure()
    requests = rate * (time.monotonic() - started)
    wait_until(lambda: pending() == 0, timeout=120, interval=0.1, message="the measured sends delivered")
    return rate, cpu.per_request(before, cpu.snapshot(), requests)


def phase_http_batch(web: Web, agents: list[Any], *, acked: Callable[[datetime.datetime], int], total: int,
                     clients: int = 2, size: int = 500) -> dict:
    """(a'') (a) over HTTP: ``clients`` threads POST messages/batch/ with ``size`` messages each, as an agent
    key to the internal agents, end to end until every delivery is acked."""
    batches = max(total // (clients * size), 1)
    messages = batches * clients * size
    bodies = [json.dumps({"messages": [
        {"performative": "inform", "to": [str(agents[(k * 7919 + b * size + i) % len(agents)].pk)],
         "content": {"n": i}} for i in range(size)]}).encode() for k in range(clients) for b in range(batches)]
    since = datetime.datetime.now(datetime.UTC)
    failures: list[str] = []

    def run(k: int) -> None:
        for body in bodies[k * batches:(k + 1) * batches]:
            try:
                status = post(f"{web.base}/api/v1/messages/batch/", body, web.key_header, timeout=60)
            except Exception as exc:  # reported below, and the phase then fails
                status = str(exc)
            if status != 201:
                failures.append(str(status))

    started = time.monotonic()
    pool = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    sent_s = time.monotonic() - started
    if failures:
        raise RuntimeError(f"{len(failures)} batch requests failed, e.g. {failures[0]}")
    wait_until(lambda: acked(since) >= messages, timeout=300, interval=0.2, message="HTTP batch acked")
    total_s = time.monotonic() - started
    return {"messages": messages, "clients": clients, "batch_size": size, "send_rate": messages / sent_s,
            "end_to_end_rate": messages / total_s, "send_seconds": sent_s, "end_to_end_seconds": total_s}


def phase_http(web: Web, agents: list[Any], *, pending: Callable[[], int], seconds: float = 10) -> dict:
    """(c) POST /api/v1/messages/ vs a bare DRF echo, same gunicorn settings, same run."""
    body = {"performative": "inform", "to": [str(agents[1].pk)], "content": {"text": "hello", "n": 1}}
    as_operator = {**body, "sender": str(agents[0].pk)}
    warm = min(2.0, seconds)
    http_rate(f"{web.base}/bench/echo/", body, {}, seconds=warm)
    http_rate(f"{web.base}/api/v1/messages/", body, web.key_header, seconds=warm)
    wait_until(lambda: pending() == 0, timeout=60, interval=0.1, message="warm-up delivered")
    echo, echo_cpu = with_cpu(lambda: http_rate(f"{web.base}/bench/echo/", body, {}, seconds=seconds), pending)
    send, send_cpu = with_cpu(lambda: http_rate(f"{web.base}/api/v1/messages/", body, web.key_header,
                                                seconds=seconds), pending)
    operator = http_rate(f"{web.base}/api/v1/messages/", as_operator, web.jwt_header, seconds=seconds / 2)
    web_ratio = send_cpu["web"] / echo_cpu["web"] if echo_cpu.get("web") else None
    return {"echo_rate": echo, "send_rate": send, "ratio": send / echo, "operator_send_rate": operator,
            "echo_cpu_ms": echo_cpu, "send_cpu_ms": send_cpu, "web_cpu_ratio": web_ratio,
            "web_concurrency": web.env.get("WEB_CONCURRENCY", "2 (default)"),
            "web_threads": web.env.get("WEB_THREADS", "4 (default)")}
