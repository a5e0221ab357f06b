"""``python manage.py mabos_status``: what /health/ready/ knows, as a table for an operator's terminal.

Exit status: 0 when every critical component is up (also when degraded), 1
when a critical one fails, so scripts can use it like a readiness probe.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from mabos.components import registered_components
from mabos.health.registry import overall_status, run_health_checks


class Command(BaseCommand):
    help = "Check every registered component (database, cache, broker, workers, beat, ...) and print a table."

    def add_arguments(self, parser):
        parser.add_argument("--json", dest="as_json", action="store_true",
                            help="Print the readiness JSON instead of a table.")
        parser.add_argument("--timeout", type=float, default=None,
                            help="Seconds every check may take (default: each component's own timeout).")

    def handle(self, *args, as_json: bool = False, timeout: float | None = None, **options):
        results = run_health_checks(timeout=timeout)
        status, failing, degraded = overall_status(results)
        if as_json:
            self.stdout.write(_dumps({"status": status, "failing": failing + degraded,
                                      "checks": {r.name: r.as_dict() for r in results}}))
        else:
            self._table(results, status)
        if failing:
            raise SystemExit(1)

    def _table(self, results, status: str) -> None:
        components = {c.name: c for c in registered_components()}
        header = ("component", "critical", "status", "latency", "detail")
        rows = []
        for r in results:
            detail = r.error or r.note
            if r.ok and r.last_error:
                detail = f"{detail} (last error {r.last_error_at}: {r.last_error})".strip()
            rows.append((r.name, "yes" if r.critical else "no", r.status.upper() if not r.ok else r.status,
                         f"{r.latency_ms:.0f} ms", detail))
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
        line = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
        self.stdout.write(line.format(*header))
        for row in rows:
            styled = line.format(*row)
            self.stdout.write(self.style.ERROR(styled) if row[2] == "FAIL" else styled)
        self.stdout.write("")
        self.stdout.write(f"overall: {status}")
        for r in results:
            metrics = components[r.name].metrics if r.name in components else ()
            if metrics:
                self.stdout.write(f"  {r.name} exports: {', '.join(metrics)}")


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True)
