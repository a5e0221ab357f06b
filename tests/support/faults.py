"""Helpers of the fault tests: workers with embedded beat, HTTP sends and probes, restarting the test PostgreSQL.

What a running server's /metrics says is read with tests/support/metrics.py."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.api import create_user, tokens_for
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
