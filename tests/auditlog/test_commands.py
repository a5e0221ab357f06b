"""auditlog_verify and auditlog_export: exit codes, naming the broken row, streaming exports."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from auditlog.actors import Actor
from auditlog.models import Action, AuditEvent
from auditlog.services import audit_record
from auditlog.verification import last_result
from tests.support.audit import tamper
from tests.support.processes import REPO, process_env

pytestmark = pytest.mark.django_db


def record(count: int, **kwargs) -> list[AuditEvent]:
    return [audit_record(action=Action.UPDATE, actor=Actor.system(), target_type="thing", target_id=str(i),
                         **kwargs) for i in range(count)]


def test_verify_reports_the_count_and_stores_the_verdict():
    record(3)
    out = io.StringIO()
    call_command("auditlog_verify", "--chunk-size=2", stdout=out)
    assert "OK: 3 event(s) verified" in out.getvalue()
    assert last_result().ok and last_result().checked == 3


def test_verify_exits_1_naming_the_tampered_row():
    events = record(4)
    tamper("UPDATE auditlog_auditevent SET target_repr = 'forged' WHERE id = %s", [events[1].pk])
    with pytest.raises(CommandError) as failure:
        call_command("auditlog_verify")
    assert failure.value.returncode == 1
    assert f"id={events[1].pk}" in str(failure.value) and "hash mismatch" in str(failure.value)
    assert last_result().ok is False and last_result().broken_event_id == events[1].pk


@pytest.mark.django_db(transaction=True)
def test_verify_exit_codes_as_a_real_process():
    """The operator's view: `manage.py auditlog_verify` in a shell, before and after tampering."""
    events = record(3)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", "auditlog_verify"], cwd=REPO, env=process_env(),
                              capture_output=True, text=True, timeout=60)

    ok = run()
    assert ok.returncode == 0, ok.stderr
    assert "3 event(s) verified" in ok.stdout
    tamper("UPDATE auditlog_auditevent SET changes = '{\"x\": [1, 2]}' WHERE id = %s", [events[2].pk])
    broken = run()
    assert broken.returncode == 1
    assert f"id={events[2].pk}" in broken.stderr and "hash mismatch" in broken.stderr


def test_export_jsonl_streams_events_in_chain_order():
    made = record(3, changes={"status": ["a", "b"]})
    out = io.StringIO()
    call_command("auditlog_export", "--format=jsonl", stdout=out, stderr=io.StringIO())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["seq"] for r in rows][:3] == [e.seq for e in made]
    assert rows[0]["changes"] == {"status": ["a", "b"]} and rows[0]["hash"] == made[0].hash
    assert rows[-1]["action"] == "export"  # exporting the trail is itself recorded


def test_export_csv_to_a_file_with_time_window_and_formula_guard(tmp_path):
    made = record(2, note="=HYPERLINK(\"http://evil\")")
    target = tmp_path / "audit.csv"
    until = AuditEvent.objects.latest("seq").occurred_at.isoformat()  # exclusive: drops the last one
    call_command("auditlog_export", "--format=csv", f"--output={target}", "--since=2000-01-01", f"--until={until}",
                 stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(csv.DictReader(target.open(newline="")))
    assert [int(r["seq"]) for r in rows] == [made[0].seq]
    assert rows[0]["note"].startswith("'=HYPERLINK")


def test_export_rejects_a_malformed_time():
    with pytest.raises(CommandError, match="--since"):
        call_command("auditlog_export", "--since=last tuesday", stdout=io.StringIO())


class LineCounter(io.TextIOBase):
    """Stands in for stdout and keeps nothing, so only the exporter's own memory is measured."""

    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def insert_raw_events(count: int) -> None:
    """Bulk rows for the export, straight in SQL (the export streams rows; it does not verify them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO auditlog_auditevent (seq, occurred_at, actor_type, actor_id, actor_name, action,
                target_type, target_id, target_repr, changes, note, ip, user_agent, request_id, prev_hash, hash,
                key_id)
            SELECT base + n, now(), 'system', '', 'bulk', 'update', 'thing', n::text, 'thing ' || n,
                   jsonb_build_object('status', jsonb_build_array('a', 'b')), repeat('x', 100), '10.0.0.1',
                   'bench', md5(n::text), md5('p' || (base + n)) || md5('q' || (base + n)),
                   md5('h' || (base + n)) || md5('i' || (base + n)), 'dev'
            FROM (SELECT coalesce(max(seq), 0) AS base FROM auditlog_auditevent) b,
                 generate_series(1, %s) AS n
            """, [count])


def export_peak(fmt: str) -> tuple[int, int]:
    sink = LineCounter()
    tracemalloc.start()
    try:
        call_command("auditlog_export", f"--format={fmt}", "--chunk-size=1000", stdout=sink, stderr=io.StringIO())
        return tracemalloc.get_traced_memory()[1], sink.lines
    finally:
        tracemalloc.stop()


def test_export_of_100k_events_runs_in_bounded_memory():
    insert_raw_events(500)
    export_peak("jsonl")  # warm up: imports and caches are one-time costs, not per-row ones
    insert_raw_events(4_500)
    small_peak, small_lines = export_peak("jsonl")
    insert_raw_events(95_000)
    big_peak, big_lines = export_peak("jsonl")
    assert small_lines >= 5_000 and big_lines >= 100_000
    # Twenty times the rows, (about) the same memory: the rows are streamed, not held.
    assert big_peak < small_peak * 1.5 + 512 * 1024, (small_peak, big_peak)
    assert big_peak < 16 * 1024 * 1024, big_peak
