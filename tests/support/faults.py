"""Helpers of the fault tests: workers with embedded beat, HTTP sends and probes, restarting the test PostgreSQL,
and killing a worker while it holds a reasoning batch.

What a running server's /metrics says is read with tests/support/metrics.py."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.support.api import create_user, tokens_for
from tests.support.polling import wait_until
from tests.support.processes import BIN, Process, process_env

#: Short enough to keep each test well under a minute, long enough not to spin.
FAST = {"MESSAGING_LEASE_SECONDS": "2", "MESSAGING_SWEEPER_INTERVAL_SECONDS": "1",
        "MESSAGING_BREAKER_RESET_SECONDS": "2", "THROTTLE_USER_RATE": "100000/hour"}


def start_worker_with_beat(tmp: Path, name: str, queues: str = "messages,default", concurrency: int = 2,
                           **env: str) -> Process:
    """A worker that also runs beat (the sweepers), against ``env``'s Redis, consuming ``queues``."""
    return Process(
        [str(BIN / "celery"), "-A", "config", "worker", "--beat", f"--schedule={tmp / f'beat-{name}'}",
         "--loglevel=INFO", f"--hostname={name}@%h", f"--queues={queues}", f"--concurrency={concurrency}",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        process_env(MABOS_PROCESS_ROLE="worker", **env), tmp / f"worker-{name}.log").start()


def operator_token(org) -> str:
    """A superuser's token: after other transactional tests flushed the database, role rows and grants
    cannot be relied on, and the permission paths are proven by the messaging API tests."""
    return tokens_for(create_user(is_superuser=True, is_staff=True))["access"]


def post_message(base: str, token: str, body: dict, timeout: float = 10) -> tuple[int, dict]:
    return post_json(base, token, "/api/v1/messages/", body, timeout)


def post_json(base: str, token: str, path: str, body: dict, timeout: float = 10) -> tuple[int, dict]:
    """POST ``body`` to ``path`` of a running server as the token's user: (status, JSON answer)."""
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw.decode(errors="replace")[:500]}


def ready(base: str) -> tuple[int, dict]:
    """/health/ready/ as an operator's probe sees it (with the health token)."""
    from django.conf import settings

    request = urllib.request.Request(f"{base}/health/ready/", headers={"X-Health-Token": settings.HEALTH_TOKEN})
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def postmaster_options() -> str:
    """The server options scripts/testenv.py started PostgreSQL with (port, socket dir ...), for a restart."""
    words = shlex.split(Path(os.environ["MABOS_TEST_PGDATA"], "postmaster.opts").read_text())[1:]
    if "-D" in words:
        i = words.index("-D")
        del words[i:i + 2]
    return shlex.join(words)


def pg_ctl(*args: str) -> None:
    """Stop or start the test PostgreSQL (scripts/testenv.py runs it as `postgres` when we are root)."""
    cmd = [os.path.join(os.environ["MABOS_TEST_PG_BIN"], "pg_ctl"), "-D", os.environ["MABOS_TEST_PGDATA"], *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, timeout=60)


def pg_restart() -> float:
    """Stop (fast) and start the test PostgreSQL again; the seconds it was away. This process's connection is
    closed first (the next query reconnects)."""
    from django.db import connection

    options = postmaster_options()
    connection.close()
    started = time.monotonic()
    pg_ctl("stop", "-m", "fast", "-w")
    pg_ctl("start", "-w", "-t", "30", "-o", options)
    return time.monotonic() - started


#: A batch in flight: a worker's backend holding the claim's ``FOR UPDATE`` (a ROW SHARE lock on the runtime
#: table, which nothing else in MABOS takes), started after ``since`` or at one of ``ports`` (the worker's
#: client ports) when given, and, when a blocker is given, waiting for that blocker's lock.
_BATCH_HOLDERS = """
SELECT DISTINCT a.pid FROM pg_stat_activity a
JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation' AND l.mode = 'RowShareLock' AND l.granted
WHERE l.relation = 'agents_agentruntime'::regclass AND a.application_name = 'mabos-worker'
  AND (%(since)s::timestamptz IS NULL OR a.backend_start >= %(since)s)
  AND (%(ports)s::int[] IS NULL OR a.client_port = ANY(%(ports)s))
  AND (%(blocker)s::int IS NULL OR %(blocker)s = ANY(pg_blocking_pids(a.pid)))
"""


def batch_holders(watcher: Any, *, blocker: int | None = None, since: Any = None,
                  ports: list[int] | None = None) -> list[int]:
    """The backends holding a claimed reasoning batch (see ``_BATCH_HOLDERS``)."""
    return [row[0] for row in watcher.execute(_BATCH_HOLDERS, {"since": since, "ports": ports,
                                                               "blocker": blocker}).fetchall()]


def backend_gone(watcher: Any, pids: list[int]) -> bool:
    return not watcher.execute("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]).fetchone()


def kill_holding_a_batch(worker: Process, watcher: Any, blocker: Any, table: str | None, *, label: str,
                         since: Any = None) -> list[int]:
    """SIGKILL ``worker`` while it holds a claimed batch: stalled before its next write to ``table`` (the
    blocker holds it ``EXCLUSIVE``: reads go on) when one is given, else wherever it is when seen holding its
    claim. Its backends are told apart by ``since`` (started after) or, without it, by the worker's client
    ports. The blocker is rolled back after the kill (the dead worker's backend then finds its client gone and
    rolls the batch back); the caller waits for ``backend_gone`` on the pids returned."""
    held = None
    if table:
        blocker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        held = blocker.info.backend_pid

    def holding() -> list[int]:
        ports = None if since is not None else worker.local_ports()
        if since is None and not ports:
            return []
        return batch_holders(watcher, blocker=held, since=since, ports=ports)

    pids = wait_until(holding, timeout=30, interval=0.005,
                      message=f"{label} holding a claimed batch" + (f" at {table}" if table else ""))
    worker.stop(signal.SIGKILL)
    blocker.rollback()
    return pids
