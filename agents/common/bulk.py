"""One UPDATE for many rows that each get their own values, from column arrays (``unnest``).

Why not Django's ``bulk_update``: it builds a ``CASE WHEN pk = … THEN …`` for every row and every field and
resolves each of those expressions in Python before sending anything: about 1 s for a reasoning batch of 100
Contract-Net runs and their sessions, 250 ms for 100 intentions (the protocols bench, docs/benchmarks.md).
Here each field is one array parameter cast to its column's type, whatever the number of rows. Values are
written as ``Model.save`` writes them: ``None`` is SQL NULL, JSON goes through the field's encoder. Other
databases than PostgreSQL fall back to ``bulk_update``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model


def rows_update(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> int:
    """Write ``fields`` of ``rows`` (saved instances of ``model``) in one statement; the number of rows written.

    A row given twice is written once, with its last copy's values (as two saves in that order would); rows
    are written in primary-key order, so two callers never lock the same rows in opposite orders.
    """
    unique = sorted({row.pk: row for row in rows}.values(), key=lambda row: row.pk)
    if not unique or not fields:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(unique, list(fields))
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    arrays, sets, params = [], [], []
    for i, field in enumerate(columns):
        is_json = isinstance(field, JSONField)
        arrays.append(f"%s::{'text' if is_json else field.db_type(connection)}[]")
        if i:
            sets.append(f"{quote(field.column)} = v.c{i}{'::jsonb' if is_json else ''}")
        params.append([_value(field, row) for row in unique])
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET {', '.join(sets)} "  # noqa: S608 (names from the model, values bound)
           f"FROM unnest({', '.join(arrays)}) AS v({names}) WHERE t.{quote(meta.pk.column)} = v.c0")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _value(field: Any, row: Model) -> Any:
    value = getattr(row, field.attname)
    if isinstance(field, JSONField):
        return None if value is None else json.dumps(value, cls=field.encoder)
    return field.get_db_prep_save(value, connection)


def rows_copy(model: type[Model], columns: Sequence[str], rows: Sequence[Model]) -> None:
    """Insert ``rows`` (unsaved instances; ``columns`` are attribute names) with one COPY on PostgreSQL.

    The cycle's inserts are its largest cost, and COPY encodes rows in C where ``bulk_create``'s parameters go
    through Python quoting per value. JSON columns are encoded once here; other databases use ``bulk_create``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(list(rows))
        return
    meta = model._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    json_columns = {name for name in columns if isinstance(fields[name], JSONField)}
    quote = connection.ops.quote_name
    sql = f"COPY {quote(meta.db_table)} ({', '.join(quote(fields[name].column) for name in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([_copied(getattr(row, name)) if name in json_columns else getattr(row, name)
                            for name in columns])


def _copied(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
