from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mabos.health.checks import check_broker, check_database
from mabos.health.registry import HealthCheck
from mabos.resilience.waiting import DependencyTimeout, wait_for_dependencies


class Command(BaseCommand):
    help = "Wait until the database and the broker (Redis) answer, retrying with backoff up to a deadline."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=None,
                            help="Seconds before giving up (default: WAIT_FOR_SERVICES_TIMEOUT).")

    def handle(self, *args, timeout: float | None = None, **options):
        timeout = settings.WAIT_FOR_SERVICES_TIMEOUT if timeout is None else timeout
        checks = [HealthCheck("database", check_database), HealthCheck("broker", check_broker)]
        try:
            wait_for_dependencies(checks, timeout=timeout, report=lambda line: self.stdout.write(line))
        except DependencyTimeout as exc:
            raise CommandError(f"gave up after {timeout:g}s: {exc}") from None
