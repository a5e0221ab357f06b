#!/usr/bin/env python3
"""Benchmark the admin dashboard with 1,000,000 messages; write the figures to docs/benchmarks.md.

    python scripts/testenv.py -- .venv/bin/python scripts/bench/dashboard.py [--messages N]

(``make bench`` runs it after the messaging benchmark.) It migrates the
throwaway database, inserts the messages with one ``generate_series`` INSERT
spread evenly over the last 24 hours (so about 1/24 of them fall in the chart's
hour), one delivery per message (mostly acked, ``PENDING_SHARE`` still pending
and ``DEAD_SHARE`` dead, so the backlog counts have rows to count) and
``--audit-events`` audit events (100,000 by default), as a busy day leaves them,
ANALYZEs, then times the admin index page as a superuser and the
messages-per-minute query alone, and records the page's query count and the
query plan of the per-minute aggregate.

The audit rows are written by SQL, not through the hash chain (a million HMACs
would measure the chain, not the page): their hashes are placeholders, so
``auditlog_verify`` would reject this throwaway database, which is never kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MARKERS = {"durable": ("<!-- dashboard:start -->", "<!-- dashboard:end -->"),
           "fast": ("<!-- dashboard-fast:start -->", "<!-- dashboard-fast:end -->")}
RUNS = 10
PENDING_SHARE, DEAD_SHARE = 0.01, 0.001

_DELIVERIES = """
INSERT INTO agents_delivery (id, message_id, recipient_id, conversation_id, priority, sent_at, status, attempts,
                             next_attempt_at, last_error, delivered_at, acked_at, updated_at)
SELECT gen_random_uuid(), m.id, %(recipient)s, m.conversation_id, 0, m.created_at, s.status,
       CASE s.status WHEN 'pending' THEN 0 ELSE 1 END, m.created_at,
       CASE s.status WHEN 'dead' THEN 'bench: refused' ELSE '' END,
       CASE s.status WHEN 'acked' THEN m.created_at END, CASE s.status WHEN 'acked' THEN m.created_at END,
       m.created_at
FROM (SELECT id, conversation_id, created_at, random() AS r FROM agents_message WHERE sender_agent_id = %(sender)s) m
CROSS JOIN LATERAL (SELECT CASE WHEN m.r < %(pending)s THEN 'pending'
                                WHEN m.r < %(pending)s + %(dead)s THEN 'dead' ELSE 'acked' END AS status) s
"""

_AUDIT_EVENTS = """
INSERT INTO auditlog_auditevent (seq, occurred_at, actor_type, actor_id, actor_name, action, target_type, target_id,
                                 target_repr, changes, note, ip, user_agent, request_id, prev_hash, hash, key_id)
SELECT b.base + g, now() - ((%(n)s - g) * %(spacing)s * interval '1 millisecond'), 'system', '', 'bench',
       'update', 'agents.agent', g::text, 'bench agent', '{}'::jsonb, '', '', '', '',
       encode(sha256(('bench' || (g - 1))::bytea), 'hex'), encode(sha256(('bench' || g)::bytea), 'hex'), 'bench'
FROM (SELECT COALESCE(MAX(seq), 0) AS base FROM auditlog_auditevent) b, generate_series(1, %(n)s) AS g
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--audit-events", type=int, default=100_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agents.models import Delivery, Message
    from auditlog.models import AuditEvent
    from mabos.dashboard import messages_per_minute
    from scripts.bench import durability
    from tests.support.api import create_user
    from tests.support.factories import AgentFactory, OrganizationFactory

    settings = durability.bench_database(connection, tag="dashboard")
    if settings is None:
        return 2
    organization = OrganizationFactory()
    sender = AgentFactory(organization=organization)
    recipient = AgentFactory(organization=organization)
    spacing_ms = 86_400_000 / args.messages  # spread over 24 hours
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Filling a million rows on durable PostgreSQL outlasts the application's DB_STATEMENT_TIMEOUT_MS: that
        # guard is for requests, not for building the bench's data set.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            "INSERT INTO agents_message (id, organization_id, sender_agent_id, performative, ontology, language, "
            "protocol, topic, conversation_id, reply_with, priority, idempotency_key, recipient_count, created_at) "
            "SELECT gen_random_uuid(), %s, %s, 'inform', '', '', '', '', gen_random_uuid(), '', 0, '', 1, "
            "now() - (g * %s * interval '1 millisecond') FROM generate_series(1, %s) AS g",
            [organization.pk, sender.pk, spacing_ms, args.messages])
        cursor.execute(_DELIVERIES, {"recipient": recipient.pk, "sender": sender.pk, "pending": PENDING_SHARE,
                                     "dead": DEAD_SHARE})
        cursor.execute(_AUDIT_EVENTS, {"n": args.audit_events, "spacing": 86_400_000 / max(args.audit_events, 1)})
        cursor.execute("ANALYZE agents_message, agents_delivery, auditlog_auditevent")
    insert_seconds = time.perf_counter() - started
    total = Message.objects.count()
    deliveries = Delivery.objects.count()
    backlog = Delivery.objects.filter(status="pending").count()
    audit_total = AuditEvent.objects.count()

    admin = create_user("bench-admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200  # warm-up
    page_times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        response = client.get("/admin/")
        page_times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get("/admin/")
    query_times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        series = messages_per_minute(user=admin)
        query_times.append(time.perf_counter() - t0)
    in_hour = sum(count for _, count in series)
    per_minute_sql = next(q["sql"] for q in ctx.captured_queries if "date_trunc" in q["sql"].lower())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + per_minute_sql)
        plan = [row[0] for row in cursor.fetchall()]

    start, end = MARKERS[durability.mode(settings)]
    block = "\n".join([
        start,
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}).",
        durability.describe(settings),
        "",
        "| figure | value |",
        "|---|---|",
        f"| messages in the table | {total:,} |",
        f"| deliveries in the table (one per message) | {deliveries:,}, of which {backlog:,} pending |",
        f"| audit events in the table | {audit_total:,} |",
        f"| messages in the chart's hour | {in_hour:,} |",
        f"| insert with generate_series (messages, deliveries, audit events) | {insert_seconds:.1f} s |",
        f"| admin index (dashboard), median of {RUNS} | {statistics.median(page_times) * 1000:.0f} ms "
        f"(max {max(page_times) * 1000:.0f} ms) |",
        f"| messages-per-minute query, median of {RUNS} | {statistics.median(query_times) * 1000:.1f} ms |",
        f"| SQL queries on the page | {len(ctx.captured_queries)} |",
        "",
        "Plan of the per-minute aggregate:",
        "",
        "```",
        *plan,
        "```",
        end,
    ])
    write_section(block, start, end)
    print(block)
    return 0


def write_section(block: str, start: str, end: str) -> None:
    """Replace this run's Dashboard block (durable or not) in docs/benchmarks.md, adding it if missing."""
    path = REPO / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + (
            "\n\n## Dashboard\n\n"
            "`scripts/bench/dashboard.py` (run by `make bench`) inserts 1,000,000 messages spread over 24 hours\n"
            "and times the admin index page, which draws messages per minute over the last hour, the delivery\n"
            "backlog, agents by status and recent audit events (mabos/dashboard/). The block is rewritten by\n"
            "each run.\n\n" + block + "\n")
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
