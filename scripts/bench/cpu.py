"""CPU time by process role during a bench phase, from /proc (Linux): where a request's cost goes.

Every process of the bench runs on this machine, so the sum of their CPU over a
phase, divided by the requests served, is the machine's cost per request;
split by role it says which part bounds the rate (on 2 cores, rate ≈ 2 / cost).
"""

from __future__ import annotations

import os
from pathlib import Path

ROLES = ("web", "postgres", "worker", "redis", "client")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _role(cmdline: str) -> str | None:
    if "gunicorn" in cmdline:
        return "web"
    if "postgres" in cmdline:
        return "postgres"
    if "celery" in cmdline:
        return "worker"
    if "redis-server" in cmdline:
        return "redis"
    if "scripts/bench/run.py" in cmdline:
        return "client"  # the bench process itself: the HTTP clients' threads
    return None


def snapshot() -> dict[int, tuple[str, float]]:
    """{pid: (role, CPU seconds so far)} of every bench process; empty where /proc is missing."""
    out: dict[int, tuple[str, float]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return out
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended meanwhile
        role = _role(cmdline)
        if role is None:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (role, (int(fields[11]) + int(fields[12])) / _TICK)  # utime + stime
    return out


def per_request(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
                requests: float) -> dict[str, float]:
    """Milliseconds of CPU per request by role between two snapshots (processes that ended are not counted)."""
    totals = dict.fromkeys(ROLES, 0.0)
    for pid, (role, seconds) in after.items():
        totals[role] += seconds - before.get(pid, (role, 0.0))[1]
    return {role: round(seconds / requests * 1000, 2) for role, seconds in totals.items()} if requests else {}
