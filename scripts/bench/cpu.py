"""CPU time by process role during a bench phase, from /proc (Linux): where a request's cost goes.

Every process of the bench runs on this machine, so the sum of their CPU over a
phase, divided by the requests served, is the machine's cost per request;
split by role it says which part bounds the rate (on 2 cores, rate ≈ 2 / cost).

Only this bench's own processes are counted: the gunicorn and Celery processes
it started (they carry its ``MABOS_TEST_RUN_DIR``), its PostgreSQL (the
postmaster of ``MABOS_TEST_PGDATA`` and its backends), its Redis (by port) and
the bench process itself. Other test runs on the same machine, with their own
gunicorn, workers and servers, would otherwise be charged to this bench.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

ROLES = ("web", "postgres", "worker", "redis", "client")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(cmdline: str) -> str | None:
    if "gunicorn" in cmdline:
        return "web"
    if "celery" in cmdline:
        return "worker"
    if "scripts/bench/run.py" in cmdline:
        return "client"  # the bench process itself: the HTTP clients' threads
    return None


def _postmaster() -> int | None:
    pgdata = os.environ.get("MABOS_TEST_PGDATA")
    try:
        return int(Path(pgdata, "postmaster.pid").read_text().split()[0]) if pgdata else None
    except (OSError, ValueError, IndexError):
        return None


def _redis_port() -> str | None:
    url = os.environ.get("REDIS_URL")
    return str(urlparse(url).port) if url else None


def _ours(entry: Path, run_dir: str | None) -> bool:
    """Started by this bench: its run directory is in the process's environment."""
    if int(entry.name) == os.getpid():
        return True
    if not run_dir:
        return True  # outside scripts/testenv.py: nothing to tell runs apart by
    try:
        return f"MABOS_TEST_RUN_DIR={run_dir}".encode() in (entry / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


def snapshot() -> dict[int, tuple[str, float]]:
    """{pid: (role, CPU seconds so far)} of every process of this bench; empty where /proc is missing."""
    out: dict[int, tuple[str, float]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return out
    postmaster, redis_port, run_dir = _postmaster(), _redis_port(), os.environ.get("MABOS_TEST_RUN_DIR")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry.name), int(fields[1])
        if postmaster is not None and postmaster in (pid, ppid):
            role: str | None = "postgres"
        elif redis_port and "redis-server" in cmdline and f":{redis_port}" in cmdline:
            role = "redis"
        else:
            role = _role(cmdline)
            if role is not None and not _ours(entry, run_dir):
                continue
        if role is None:
            continue
        out[pid] = (role, (int(fields[11]) + int(fields[12])) / _TICK)  # utime + stime
    return out


def per_request(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
                requests: float) -> dict[str, float]:
    """Milliseconds of CPU per request by role between two snapshots (processes that ended are not counted)."""
    totals = dict.fromkeys(ROLES, 0.0)
    for pid, (role, seconds) in after.items():
        totals[role] += seconds - before.get(pid, (role, 0.0))[1]
    return {role: round(seconds / requests * 1000, 2) for role, seconds in totals.items()} if requests else {}
