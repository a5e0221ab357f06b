#!/usr/bin/env python
"""Write the figures of a `make bench` run into docs/benchmarks.md, between the markers; keep the analysis.

A run on durable PostgreSQL (fsync, synchronous_commit and full_page_writes on,
as read back from the server) fills the durable block; a ``BENCH_FAST_DB=1``
run fills the non-durable block next to it, so both can be read side by side
and neither overwrites the other.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.bench import durability

DOC = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
MARKERS = {"durable": ("<!-- bench:start -->", "<!-- bench:end -->"),
           "fast": ("<!-- bench-fast:start -->", "<!-- bench-fast:end -->")}
#: The targets, on durable PostgreSQL (docs/benchmarks.md).
THROUGHPUT_MSG_S = 5000
LATENCY_P99_MS = 50
WEB_CPU_RATIO = 3.0


def verdict(ok: bool, durable: bool = True) -> str:
    if not durable:
        return "not judged: not durable"
    return "met" if ok else "**missed**"


def render(r: dict) -> str:
    m, db = r["machine"], r["database"]
    ok = durability.is_durable(db)
    start, end = MARKERS[durability.mode(db)]
    t, lat, h = r["throughput"], r["latency"], r["http"]
    return "\n".join([
        start,
        f"Run on {m['date']}: {m['nproc']} CPU(s), {m['memory_gb']} GB RAM, {m['platform']}, Python {m['python']}.",
        durability.describe(db),
        "",
        settings_table(db),
        "",
        "Redis 7 from scripts/testenv.py, one Celery worker (prefork, concurrency 2, with beat), gunicorn with "
        f"WEB_CONCURRENCY={h['web_concurrency']} and WEB_THREADS={h['web_threads']}, everything on this one "
        "machine.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| (a) in-process batch send to internal agents: {t['senders']} sender processes calling the service "
        f"`message_send_batch` (no HTTP), {t['batch_size']} messages per call, {t['messages']} messages, 10 "
        f"agents; end to end until every delivery is handed over and acked | **{t['end_to_end_rate']:.0f} msg/s** "
        f"(sending alone: {t['send_rate']:.0f} msg/s; undelivered backlog at most {t['backlog_peak']}, drained "
        f"{t['drain_seconds']:.1f} s after the last send) | ≥ 5 000 msg/s: "
        f"{verdict(t['end_to_end_rate'] >= THROUGHPUT_MSG_S, ok)} |",
        *([f"| (a') the same in-process, one message per transaction: {p['threads']} threads calling "
           f"`message_send`, {p['messages']} messages | {p['end_to_end_rate']:.0f} msg/s (sending alone: "
           f"{p['send_rate']:.0f} msg/s) | (for comparison) |"] if (p := r.get("per_message")) else []),
        *([f"| (a'') the same over HTTP: {b['clients']} clients `POST /api/v1/messages/batch/` with an agent key, "
           f"{b['batch_size']} messages per request, {b['messages']} messages, to internal agents | "
           f"**{b['end_to_end_rate']:.0f} msg/s** (sending alone: {b['send_rate']:.0f} msg/s) | (for reference) |"]
          if (b := r.get("http_batch")) else []),
        f"| (b) send commit → hand-over commit (PostgreSQL's commit timestamps of the send's and of the hand-over's "
        f"transaction), single in-process sends at {lat['offered_rate']} msg/s offered, open loop from "
        f"{lat.get('sender_threads', 1)} threads ({lat['achieved_rate']:.0f} achieved, {lat['count']} messages) | "
        f"p50 {lat['p50_ms']:.1f} ms, p95 {lat['p95_ms']:.1f} ms, "
        f"**p99 {lat['p99_ms']:.1f} ms** (max {lat['max_ms']:.1f}) | p99 ≤ {LATENCY_P99_MS} ms: "
        f"{verdict(lat['p99_ms'] <= LATENCY_P99_MS, ok)} |",
        f"| (c) HTTP `POST /api/v1/messages/` under gunicorn, agent key sending as itself | "
        f"**{h['send_rate']:.0f} req/s** | |",
        f"| (c') same, an operator (JWT) speaking as an agent: audited | {h['operator_send_rate']:.0f} req/s "
        "| (for reference) |",
        f"| (c) bare DRF echo, same gunicorn settings | {h['echo_rate']:.0f} req/s | |",
        f"| (c) rate send / echo | {h['ratio']:.2f} | (for reference) |",
        web_cpu_row(h, ok),
        *cpu_table(h, m["nproc"]),
        end,
    ])


def web_cpu_row(h: dict, durable: bool) -> str:
    ratio = h.get("web_cpu_ratio")
    if ratio is None:
        return "| (c) web tier's CPU per send ÷ per bare echo | not measured (no /proc) | ≤ 3x |"
    return (f"| (c) web tier's (gunicorn's) CPU per send ÷ per bare echo | **{ratio:.2f}x** "
            f"({h['send_cpu_ms']['web']:.2f} ms ÷ {h['echo_cpu_ms']['web']:.2f} ms) | ≤ {WEB_CPU_RATIO:g}x: "
            f"{verdict(ratio <= WEB_CPU_RATIO, durable)} |")


def settings_table(db: dict) -> str:
    names = (*durability.DURABILITY, *durability.CONTEXT)
    return "\n".join(["| PostgreSQL setting (SHOW) | " + " | ".join(f"`{n}`" for n in names) + " |",
                      "|---|" + "---|" * len(names),
                      "| value | " + " | ".join(str(db.get(n, "?")) for n in names) + " |"])


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


def write(results: dict, doc: Path = DOC) -> str:
    """Replace this run's block (durable or non-durable, by the settings measured) and return the new text."""
    block = render(results)
    start, end = MARKERS[durability.mode(results["database"])]
    text = doc.read_text() if doc.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in text:
        text = text.rstrip("\n") + f"\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    text = head + block + tail
    doc.write_text(text)
    return text


def main(path: str) -> None:
    write(json.loads(Path(path).read_text()))


if __name__ == "__main__":
    main(sys.argv[1])
