#!/usr/bin/env python3
"""Benchmark the admin dashboard with 1,000,000 messages; write the figures to docs/benchmarks.md.

    python scripts/testenv.py -- .venv/bin/python scripts/bench/dashboard.py [--messages N]

(``make bench`` runs it after the messaging benchmark.) It migrates the
throwaway database, inserts the messages with one ``generate_series`` INSERT
spread evenly over the last 24 hours (so about 1/24 of them fall in the chart's
hour), ANALYZEs, then times the admin index page as a superuser and the
messages-per-minute query alone, and records the page's query count and the
query plan of the per-minute aggregate.
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

START, END = "<!-- dashboard:start -->", "<!-- dashboard:end -->"
RUNS = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agents.models import Message
    from mabos.dashboard import messages_per_minute
    from tests.agents.factories import AgentFactory, OrganizationFactory
    from tests.support.api import create_user

    call_command("migrate", verbosity=0)
    organization = OrganizationFactory()
    sender = AgentFactory(organization=organization)
    spacing_ms = 86_400_000 / args.messages  # spread over 24 hours
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO agents_message (id, organization_id, sender_agent_id, performative, ontology, language, "
            "protocol, topic, conversation_id, reply_with, priority, idempotency_key, recipient_count, created_at) "
            "SELECT gen_random_uuid(), %s, %s, 'inform', '', '', '', '', gen_random_uuid(), '', 0, '', 1, "
            "now() - (g * %s * interval '1 millisecond') FROM generate_series(1, %s) AS g",
            [organization.pk, sender.pk, spacing_ms, args.messages])
        cursor.execute("ANALYZE agents_message")
    insert_seconds = time.perf_counter() - started
    total = Message.objects.count()

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
        series = messages_per_minute()
        query_times.append(time.perf_counter() - t0)
    in_hour = sum(count for _, count in series)
    per_minute_sql = next(q["sql"] for q in ctx.captured_queries if "date_trunc" in q["sql"].lower())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + per_minute_sql)
        plan = [row[0] for row in cursor.fetchall()]

    block = "\n".join([
        START,
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {connection.cursor().connection.info.server_version // 10000}).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| messages in the table | {total:,} |",
        f"| messages in the chart's hour | {in_hour:,} |",
        f"| insert with generate_series | {insert_seconds:.1f} s |",
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
        END,
    ])
    write_section(block)
    print(block)
    return 0


def write_section(block: str) -> None:
    """Replace the Dashboard block in docs/benchmarks.md, adding the section if it is not there yet."""
    path = REPO / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + (
            "\n\n## Dashboard\n\n"
            "`scripts/bench/dashboard.py` (run by `make bench`) inserts 1,000,000 messages spread over 24 hours\n"
            "and times the admin index page, which draws messages per minute over the last hour, the delivery\n"
            "backlog, agents by status and recent audit events (mabos/dashboard.py). The block is rewritten by\n"
            "each run.\n\n" + block + "\n")
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
