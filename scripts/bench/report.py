#!/usr/bin/env python
"""Write the figures of a `make bench` run into docs/benchmarks.md, between the markers; keep the analysis."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(r: dict) -> str:
    m, t, lat, h = r["machine"], r["throughput"], r["latency"], r["http"]
    return "\n".join([
        START,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}.",
        "PostgreSQL 15 and Redis 7 from scripts/testenv.py (fsync off, like `make test`), one Celery worker "
        "(prefork, concurrency 2, with beat), everything on this one machine.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| (a) end-to-end throughput, {t['messages']} messages sent, delivered and acked, 10 agents; "
        f"{t.get('senders', 1)} sender processes calling `message_send_batch`, {t.get('batch_size', 1)} messages "
        f"per batch | **{t['end_to_end_rate']:.0f} msg/s** (sending alone: {t['send_rate']:.0f} msg/s; "
        f"undelivered backlog at most {t.get('backlog_peak', 0)}, drained "
        f"{t.get('drain_seconds', 0):.1f} s after the last send) | ≥ 5 000 msg/s: "
        f"{verdict(t['end_to_end_rate'] >= 5000)} |",
        *([f"| (a') same, the old way: {p['messages']} messages, {p['threads']} threads of one process calling "
           f"`message_send`, one message per transaction | {p['end_to_end_rate']:.0f} msg/s (sending alone: "
           f"{p['send_rate']:.0f} msg/s) | (for comparison) |"] if (p := r.get("per_message")) else []),
        f"| (b) send commit → delivered at {lat['offered_rate']} msg/s offered ({lat['achieved_rate']:.0f} achieved, "
        f"{lat['count']} messages) | p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms, "
        f"**p99 {lat['p99_ms']:.1f} ms** (max {lat['max_ms']:.1f}) | p99 < 100 ms: {verdict(lat['p99_ms'] < 100)} |",
        f"| (c) HTTP `POST /api/v1/messages/` under gunicorn, agent key sending as itself | "
        f"**{h['send_rate']:.0f} req/s** | |",
        f"| (c') same, an operator (JWT) speaking as an agent: audited | {h.get('operator_send_rate', 0):.0f} req/s "
        "| (for reference) |",
        f"| (c) bare DRF echo, same gunicorn settings | {h['echo_rate']:.0f} req/s | |",
        f"| (c) ratio send / echo | **{h['ratio']:.2f}** | ≥ 0.5: {verdict(h['ratio'] >= 0.5)} |",
        *cpu_table(h, m["nproc"]),
        END,
    ])


def cpu_table(h: dict, cores: int) -> list[str]:
    """Where (c)'s requests spend the machine: CPU per request by process, from /proc during the phase."""
    if not h.get("send_cpu_ms"):
        return []
    roles = ("web", "postgres", "worker", "redis", "client")
    rows = []
    for name, cpu in (("bare echo", h["echo_cpu_ms"]), ("send", h["send_cpu_ms"])):
        total = sum(cpu.get(role, 0.0) for role in roles)
        rows.append(f"| {name} | " + " | ".join(f"{cpu.get(role, 0.0):.2f}" for role in roles)
                    + f" | **{total:.2f}** | {cores * 1000 / total:.0f} req/s |" if total else "")
    return ["", "(c) CPU per request by process during the phase (ms; /proc, scripts/bench/cpu.py), the send's "
            "counted until the worker has delivered every message it sent:", "",
            "| request | web (gunicorn) | PostgreSQL | worker (Celery) | Redis | HTTP clients | total | "
            f"{cores} cores ÷ total |", "|---|---|---|---|---|---|---|---|", *rows]


def main(path: str) -> None:
    block = render(json.loads(Path(path).read_text()))
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + block + tail)


if __name__ == "__main__":
    main(sys.argv[1])
