from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from auditlog.verification import DEFAULT_CHUNK_SIZE, verify_and_record


class Command(BaseCommand):
    help = ("Verify the audit hash chain. Exit 0 with the number of events checked, or exit 1 naming "
            "the first broken event and why (hash mismatch, missing link, unknown key).")

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE,
                            help=f"Rows fetched per round trip (default {DEFAULT_CHUNK_SIZE}).")

    def handle(self, *args, chunk_size: int, **options):
        result = verify_and_record(chunk_size=max(chunk_size, 1))
        if not result.ok:
            raise CommandError(result.describe(), returncode=1)
        self.stdout.write(result.describe())
