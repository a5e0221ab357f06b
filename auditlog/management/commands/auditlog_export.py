from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from auditlog.actors import Actor
from auditlog.export import FORMATS, export_rows, write_events
from auditlog.models import Action, AuditEvent
from auditlog.selectors import audit_event_filter
from auditlog.services import audit_record


def _instant(value: str, option: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; naive values are UTC."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{option}: {value!r} is not an ISO 8601 date or date-time (e.g. 2026-01-31T12:00:00Z)")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=datetime.UTC)


class Command(BaseCommand):
    help = ("Export audit events in chain order as JSON Lines or CSV, streamed (constant memory). "
            "--since is inclusive, --until exclusive.")

    def add_arguments(self, parser):
        parser.add_argument("--since", help="ISO 8601 date or date-time (inclusive; naive means UTC).")
        parser.add_argument("--until", help="ISO 8601 date or date-time (exclusive; naive means UTC).")
        parser.add_argument("--format", choices=FORMATS, default="jsonl", dest="fmt")
        parser.add_argument("--output", help="Write to this file instead of standard output.")
        parser.add_argument("--chunk-size", type=int, default=2000, help="Rows fetched per round trip.")

    def handle(self, *args, since=None, until=None, fmt="jsonl", output=None, chunk_size=2000, **options):
        start = _instant(since, "--since") if since else None
        end = _instant(until, "--until") if until else None
        if start and end and start >= end:
            raise CommandError("--since must be before --until")
        # Exporting the trail is itself an auditable act; recorded before the rows are read.
        audit_record(action=Action.EXPORT, actor=Actor.system("auditlog_export"), target_type="auditlog.auditevent",
                     note=f"format={fmt} since={since or '-'} until={until or '-'} output={output or 'stdout'}")
        events = audit_event_filter(AuditEvent.objects.all(), since=start, until=end).order_by("seq")
        rows = export_rows(events, chunk_size=max(chunk_size, 1))
        if output:
            with Path(output).open("w", encoding="utf-8", newline="") as out:
                count = write_events(rows, out, fmt)
        else:
            count = write_events(rows, self.stdout, fmt)
        self.stderr.write(f"exported {count} audit event(s) as {fmt}")
