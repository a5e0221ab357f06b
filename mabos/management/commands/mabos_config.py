from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from config.env import BASE_DIR, ConfigError, load_config, redact
from config.env.docs import markdown_reference
from mabos.models import RuntimeOverride

DOC_PATH = BASE_DIR / "docs" / "configuration.md"


def _overrides() -> tuple[dict[str, object], str]:
    """The stored runtime overrides, or none and why (the command must work with the database down)."""
    try:
        return dict(RuntimeOverride.objects.values_list("name", "value")), ""
    except DatabaseError as exc:
        return {}, f"runtime overrides unknown (database: {str(exc).strip().splitlines()[0][:200]})"


class Command(BaseCommand):
    help = ("Print the effective configuration, secrets redacted, and where each value comes from: "
            "environment, file (NAME_FILE), runtime override or default. Runtime-tunable settings say (runtime).")

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only validate; exit non-zero on problems.")
        parser.add_argument("--markdown", nargs="?", const=str(DOC_PATH), default=None, metavar="PATH",
                            help=f"Write the configuration reference (default {DOC_PATH.relative_to(BASE_DIR)}).")

    def handle(self, *args, check: bool = False, markdown: str | None = None, **options):
        try:
            config = load_config()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        if markdown:
            Path(markdown).write_text(markdown_reference())
            self.stdout.write(f"wrote {markdown}")
            return
        if check:
            self.stdout.write(f"OK: configuration is valid for {config.env_name}.")
            return
        self.stdout.write(f"MABOS_ENV={config.env_name}  process role={settings.MABOS_PROCESS_ROLE}")
        found, problem = _overrides()
        if problem:
            self.stderr.write(problem)
        rows = config.redacted()
        width = max(len(s.name) for s, _, _ in rows)
        for setting, shown, source in rows:
            if setting.name in found:
                source = f"runtime override; {source}: {shown}"
                shown = redact(setting, found[setting.name])
            marker = " (runtime)" if setting.runtime else ""
            self.stdout.write(f"{setting.name:<{width}}  {shown}  [{source}]{marker}")
