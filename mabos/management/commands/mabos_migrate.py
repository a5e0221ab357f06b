"""`migrate` for a person at a terminal: one line saying what changed, not one line per migration."""

from __future__ import annotations

from collections import Counter

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[tuple[str, str]]:
    """(app label, migration name) of every migration `migrate` would apply now, in order."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [(migration.app_label, migration.name) for migration, backwards in plan if not backwards]


def migration_summary(applied: list[tuple[str, str]]) -> str:
    if not applied:
        return "database: up to date, no migrations to apply"
    per_app = Counter(app for app, _name in applied)
    apps = ", ".join(f"{app} {count}" for app, count in sorted(per_app.items()))
    return f"database: applied {len(applied)} migrations ({apps})"


class Command(BaseCommand):
    help = "Apply migrations and print one summary line (run `migrate` itself for the per-migration output)."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database: str, **options):
        pending = pending_migrations(database)
        # Errors still surface in full: verbosity 0 silences only the progress lines.
        call_command("migrate", database=database, interactive=False, verbosity=0)
        self.stdout.write(migration_summary(pending))
