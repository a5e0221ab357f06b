"""`make bench` runs PostgreSQL durable by default and reports the settings the server says it ran with.

Through the doors the finding came through: the Makefile's bench recipe,
scripts/testenv.py starting a real PostgreSQL, SHOW on a real server, and the
report generator writing docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.bench import durability, report

REPO = Path(__file__).resolve().parents[2]
SHOW = ("import json, os, psycopg; c = psycopg.connect(os.environ['DATABASE_URL']); "
        "print(json.dumps({n: c.execute('SHOW ' + n).fetchone()[0] for n in "
        "('fsync', 'synchronous_commit', 'full_page_writes', 'track_commit_timestamp')}))")


def _testenv_show(*options: str) -> dict[str, str]:
    """Start a throwaway PostgreSQL with scripts/testenv.py and the given options; what SHOW reports."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run([sys.executable, "scripts/testenv.py", *options, "--", sys.executable, "-c", SHOW],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_testenv_durable_runs_postgres_with_production_durability_and_tests_stay_fast():
    durable = _testenv_show("--durable", "--pg", "track_commit_timestamp=on")
    assert durable == {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
                       "track_commit_timestamp": "on"}
    fast = _testenv_show()
    assert fast == {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "track_commit_timestamp": "off"}


def _bench_commands(**env: str) -> list[str]:
    out = subprocess.run(["make", "-n", "bench"], cwd=REPO, capture_output=True, text=True, timeout=60,
                         env={**{k: v for k, v in os.environ.items() if k != "BENCH_FAST_DB"}, **env}, check=True)
    return [line for line in out.stdout.splitlines() if "scripts/testenv.py" in line]


def test_make_bench_starts_postgres_durable_unless_bench_fast_db():
    commands = _bench_commands()
    assert len(commands) == 7  # the messaging, dashboard, backlog, reasoning, protocols, supervision, learning benches
    assert all(" --durable " in line for line in commands)
    fast = _bench_commands(BENCH_FAST_DB="1")
    assert len(fast) == 7 and not any("--durable" in line for line in fast)


@pytest.mark.django_db
def test_bench_reads_the_settings_back_from_the_server_and_refuses_undeclared_fast_runs():
    from django.db import connection

    settings = durability.pg_settings(connection)
    # `make test` runs PostgreSQL fast: the server says so, and the bench believes the server.
    assert settings["fsync"] == settings["synchronous_commit"] == settings["full_page_writes"] == "off"
    assert durability.mode(settings) == "fast"
    assert "not durable" in durability.check_requested(settings, environ={})
    assert durability.check_requested(settings, environ={"BENCH_FAST_DB": "1"}) is None


@pytest.mark.django_db
def test_every_phase_starts_through_bench_database_which_refuses_a_fast_run_and_missing_commit_times(
        monkeypatch, capsys):
    from django.db import connection

    monkeypatch.delenv("BENCH_FAST_DB", raising=False)
    assert durability.bench_database(connection) is None
    assert "not durable" in capsys.readouterr().err
    monkeypatch.setenv("BENCH_FAST_DB", "1")
    # The test server does not record commit timestamps: a phase that reads them is refused, naming itself.
    assert durability.bench_database(connection, tag="x", commit_timestamps="phase (b)") is None
    assert "[x] phase (b) reads commit timestamps" in capsys.readouterr().err
    assert durability.bench_database(connection)["fsync"] == "off"
    for phase in ("run", "dashboard", "backlog", "reasoning", "protocols", "supervision", "learning"):
        source = (REPO / "scripts" / "bench" / f"{phase}.py").read_text()
        assert "durability.bench_database(connection" in source and "check_requested" not in source, phase


def _results(db: dict[str, str]) -> dict:
    return {
        "machine": {"date": "2026-12-01 00:00 UTC", "nproc": 2, "memory_gb": 8, "platform": "Linux", "python": "3.11"},
        "database": {"wal_sync_method": "fdatasync", "track_commit_timestamp": "on", "server_version": "15.18",
                     **db},
        "throughput": {"messages": 60000, "senders": 2, "batch_size": 500, "end_to_end_rate": 6000.0,
                       "send_rate": 6100.0, "backlog_peak": 500, "drain_seconds": 0.2},
        "per_message": {"messages": 4000, "threads": 8, "end_to_end_rate": 700.0, "send_rate": 720.0},
        "http_batch": {"messages": 60000, "clients": 2, "batch_size": 500, "end_to_end_rate": 3000.0,
                       "send_rate": 3100.0},
        "latency": {"offered_rate": 200, "achieved_rate": 200.0, "count": 3000, "p50_ms": 9.0, "p95_ms": 18.0,
                    "p99_ms": 30.0, "max_ms": 40.0},
        "http": {"send_rate": 300.0, "operator_send_rate": 130.0, "echo_rate": 1500.0, "ratio": 0.2,
                 "echo_cpu_ms": {"web": 1.0}, "send_cpu_ms": {"web": 2.5}, "web_cpu_ratio": 2.5,
                 "web_concurrency": "2", "web_threads": "4"},
    }


DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def test_report_prints_the_measured_settings_and_keeps_fast_runs_beside_the_durable_ones(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\n## Analysis\nkept\n")
    text = report.write(_results(DURABLE), doc=doc)
    durable_block = text[text.index("<!-- bench:start -->"):text.index("<!-- bench:end -->")]
    assert "`fsync=on`, `synchronous_commit=on`, `full_page_writes=on`" in durable_block
    assert "these figures are durable" in durable_block
    assert "in-process batch send to internal agents" in durable_block
    assert "POST /api/v1/messages/batch/" in durable_block
    assert "send commit → hand-over commit" in durable_block
    assert "p99 ≤ 50 ms: met" in durable_block and "≤ 3x: met" in durable_block

    text = report.write(_results(FAST), doc=doc)
    assert durable_block in text  # the durable figures stay; the fast run goes beside them
    fast_block = text[text.index("<!-- bench-fast:start -->"):text.index("<!-- bench-fast:end -->")]
    assert "`fsync=off`, `synchronous_commit=off`, `full_page_writes=off`" in fast_block
    assert "**not durable**" in fast_block and ": met" not in fast_block and "not judged: not durable" in fast_block
    assert "## Analysis\nkept\n" in text
