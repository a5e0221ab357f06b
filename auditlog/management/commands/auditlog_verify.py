from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from auditlog.services import audit_anchor_reset
from auditlog.verification import DEFAULT_CHUNK_SIZE, verify_and_record


class Command(BaseCommand):
    help = ("Verify the audit hash chain and its anchored head. Exit 0 with the number of events checked, or "
            "exit 1 naming the first broken event and why (hash mismatch, missing link, unknown key, tail missing).")

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE,
                            help=f"Rows fetched per round trip (default {DEFAULT_CHUNK_SIZE}).")
        parser.add_argument("--reset-anchor", action="store_true",
                            help="Forget the anchored head first (only after deliberately resetting the audit "
                                 "table, e.g. a development database); recorded as an audit event.")

    def handle(self, *args, chunk_size: int, reset_anchor: bool, **options):
        if reset_anchor:
            self.stdout.write(audit_anchor_reset())
        result = verify_and_record(chunk_size=max(chunk_size, 1))
        if not result.ok:
            raise CommandError(result.describe(), returncode=1)
        self.stdout.write(result.describe())
