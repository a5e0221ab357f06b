from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from mabos.integrity import registered_checks, run_integrity_checks


class Command(BaseCommand):
    help = "Run every registered integrity check; exit 1 naming each violation."

    def handle(self, *args, **options):
        checks = registered_checks()
        violations = run_integrity_checks()
        for violation in violations:
            sample = ", ".join(str(getattr(row, "pk", row)) for row in violation.rows)
            self.stderr.write(f"VIOLATION {violation.check.name}: {violation.check.description} "
                              f"({violation.total} row(s); first: {sample})")
        if violations:
            raise CommandError(f"{len(violations)} of {len(checks)} integrity check(s) failed.")
        self.stdout.write(f"OK: {len(checks)} integrity check(s) passed.")
