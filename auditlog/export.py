"""Stream audit events as JSON Lines or CSV, in chain order, in constant memory.

Rows are read as dicts with ``.values().iterator(chunk_size=...)`` (a server-side cursor on
PostgreSQL) and written one at a time, so exporting ten million events needs
no more memory than exporting ten.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.db.models import QuerySet

from auditlog.models import AuditEvent

FORMATS = ("jsonl", "csv")

#: Exported columns, in order. Includes the chain fields so an export can be re-verified elsewhere.
EXPORT_FIELDS = ("id", "seq", "occurred_at", "actor_type", "actor_id", "actor_name", "action", "target_type",
                 "target_id", "target_repr", "changes", "note", "ip", "user_agent", "request_id", "key_id",
                 "prev_hash", "hash")

# CSV cells starting with these are formulas in spreadsheets; prefix them with ' (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_rows(events: QuerySet[AuditEvent], *, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
    """The events as plain dicts (no model instances: cheaper per row), streamed in chunks."""
    return events.values(*EXPORT_FIELDS).iterator(chunk_size=chunk_size)


def event_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "occurred_at": row["occurred_at"].isoformat()}


def write_events(events: Iterable[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write each row (from ``export_rows``) as it arrives; return how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "jsonl":
        for event in events:
            out.write(json.dumps(event_row(event), ensure_ascii=False, sort_keys=False) + "\n")
            count += 1
        return count
    writer = csv.writer(out)
    writer.writerow(EXPORT_FIELDS)
    for event in events:
        row = event_row(event)
        row["changes"] = json.dumps(row["changes"], ensure_ascii=False, sort_keys=True)
        writer.writerow([_csv_cell(row[name]) for name in EXPORT_FIELDS])
        count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
