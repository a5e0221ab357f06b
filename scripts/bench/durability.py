"""What PostgreSQL actually ran the bench with, read back from the server with SHOW, and how to label it.

A figure is called durable only when the server says fsync, synchronous_commit
and full_page_writes are all on (docs/benchmarks.md). The label comes from
what the server reports, never from how the bench was asked to start it, so a
run cannot claim durability it did not have. ``BENCH_FAST_DB=1`` (the tests'
fast settings) is allowed, and its figures go to their own, non-durable block.
"""

from __future__ import annotations

import os
from typing import Any

#: The settings that decide whether a commit survives a crash or a power cut.
DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")
#: Shown next to them: how WAL is flushed, and whether phase (b) can read commit times.
CONTEXT = ("wal_sync_method", "track_commit_timestamp", "server_version")


def pg_settings(connection: Any) -> dict[str, str]:
    """{setting: value} as the server reports it (``SHOW``), for the durability settings and their context."""
    values = {}
    with connection.cursor() as cursor:
        for name in (*DURABILITY, *CONTEXT):
            cursor.execute(f"SHOW {name}")
            values[name] = cursor.fetchone()[0]
    return values


def is_durable(settings: dict[str, str]) -> bool:
    return all(settings.get(name) == "on" for name in DURABILITY)


def mode(settings: dict[str, str]) -> str:
    """``durable`` or ``fast``: which block of docs/benchmarks.md a run's figures belong in."""
    return "durable" if is_durable(settings) else "fast"


def describe(settings: dict[str, str]) -> str:
    """One sentence for the report: the values read back, and what they mean for the figures."""
    values = ", ".join(f"`{name}={settings.get(name, '?')}`" for name in DURABILITY)
    if is_durable(settings):
        return (f"PostgreSQL {settings.get('server_version', '?')} with its production durability settings, read "
                f"back from the server with SHOW: {values} (`wal_sync_method={settings.get('wal_sync_method', '?')}`"
                "). Every commit counted here is on disk: these figures are durable.")
    return (f"PostgreSQL {settings.get('server_version', '?')} **without durability** (`BENCH_FAST_DB=1`, the "
            f"tests' settings), read back from the server with SHOW: {values}. A commit here may be lost in a "
            "crash: these figures are **not durable** and are shown only for comparison.")


def check_requested(settings: dict[str, str], environ: dict[str, str] | None = None) -> str | None:
    """Why this run must not go on, or None: a bench not asked to be fast (``BENCH_FAST_DB=1``) must be
    durable, so that a forgotten ``--durable`` cannot pass off fast figures as the real ones."""
    environ = os.environ if environ is None else environ
    if is_durable(settings) or environ.get("BENCH_FAST_DB") == "1":
        return None
    found = ", ".join(f"{name}={settings.get(name)}" for name in DURABILITY)
    return (f"PostgreSQL is not durable ({found}). Run `make bench` (it starts PostgreSQL with --durable), "
            "or set BENCH_FAST_DB=1 to measure the fast settings on purpose.")


def bench_database(connection: Any, *, tag: str = "bench", commit_timestamps: str = "") -> dict[str, str] | None:
    """Every bench phase's start: the settings read back, the run refused (printed, None) if it is not durable
    and was not asked to be fast, or if it reads commit timestamps (``commit_timestamps`` says which part does)
    and the server does not record them; then the schema migrated. The settings, for the report."""
    import sys

    from django.core.management import call_command

    settings = pg_settings(connection)
    refusal = check_requested(settings)
    if refusal is None and commit_timestamps and settings["track_commit_timestamp"] != "on":
        refusal = (f"{commit_timestamps} reads commit timestamps: start PostgreSQL with "
                   "track_commit_timestamp=on (`make bench` does).")
    if refusal:
        print(f"[{tag}] {refusal}", file=sys.stderr)
        return None
    call_command("migrate", verbosity=0)
    return settings
