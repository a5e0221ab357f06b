"""The outbox write: messages and their deliveries in one statement.

Sending is the hottest write in MABOS, and the ORM's ``bulk_create`` spent most
of a send's time preparing values field by field, twice (messages, then
deliveries). On PostgreSQL one statement writes both: the messages from
column arrays (``unnest``), and the deliveries from the rows that insert
returns, joined with (message, recipient) pairs, so a delivery's copied
columns (conversation, priority, expiry, sent time) come from its message by
construction. Other databases (SQLite in development) take the ORM path.

``MESSAGE_COLUMNS`` and ``DELIVERY_COLUMNS`` name every column written; a test
checks they cover the models' concrete fields, so a new column cannot be
silently left out of the fast path.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.db.models import Max
from psycopg.types.json import Jsonb

from agents.models import Delivery, DeliveryStatus, Message

MESSAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "uuid"), ("organization_id", "uuid"), ("sender_agent_id", "uuid"), ("sender_user_id", "bigint"),
    ("performative", "varchar"), ("content", "jsonb"), ("ontology", "varchar"), ("language", "varchar"),
    ("protocol", "varchar"), ("topic", "varchar"), ("conversation_id", "uuid"), ("reply_with", "varchar"),
    ("in_reply_to_id", "uuid"), ("reply_by", "timestamptz"), ("priority", "smallint"), ("expires_at", "timestamptz"),
    ("idempotency_key", "varchar"), ("recipient_count", "integer"), ("created_at", "timestamptz"),
)
#: Every delivery column and what the statement writes into it (``m`` is the inserted message, ``d`` the pair).
DELIVERY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "gen_random_uuid()"), ("message_id", "m.id"), ("recipient_id", "d.recipient_id"),
    ("conversation_id", "m.conversation_id"), ("priority", "m.priority"), ("expires_at", "m.expires_at"),
    ("sent_at", "m.created_at"), ("seq", "nextval('agents_delivery_seq')"),
    ("status", f"'{DeliveryStatus.PENDING.value}'"), ("attempts", "0"),
    ("next_attempt_at", "m.created_at"), ("lease_until", "NULL"), ("last_error", "''"), ("delivered_at", "NULL"),
    ("acked_at", "NULL"), ("updated_at", "m.created_at"),
)

_M_COLS = ", ".join(name for name, _type in MESSAGE_COLUMNS)
_D_COLS = ", ".join(name for name, _value in DELIVERY_COLUMNS)
_D_VALUES = ", ".join(value for _name, value in DELIVERY_COLUMNS)
# Both statements are built once from the constants above (table and column names), never from input: every
# value is a parameter. Many messages travel as one array per column; a single message (every API send) as
# plain values, which psycopg quotes in a fraction of the time it takes to build 19 one-element arrays.
_HEAD = f"WITH m AS (INSERT INTO {Message._meta.db_table} ({_M_COLS}) "
_TAIL = (
    " RETURNING id, conversation_id, priority, expires_at, created_at) "  # noqa: S608 (see above)
    f"INSERT INTO {Delivery._meta.db_table} ({_D_COLS}) SELECT {_D_VALUES} "
    # In the order given: ``seq`` is taken in that order (volatile output is computed after ORDER BY), so
    # the messages of one batch to one recipient keep their order.
    "FROM unnest(%s::uuid[], %s::uuid[]) WITH ORDINALITY AS d(message_id, recipient_id, position) "
    "JOIN m ON m.id = d.message_id ORDER BY d.position"
)
_SQL_MANY = (_HEAD + "SELECT * FROM unnest("  # noqa: S608 (see above)
             + ", ".join(f"%s::{t}[]" for _n, t in MESSAGE_COLUMNS) + ")" + _TAIL)
_SQL_ONE = _HEAD + "VALUES (" + ", ".join(f"%s::{t}" for _n, t in MESSAGE_COLUMNS) + ")" + _TAIL


def _column(messages: list[Message], attname: str) -> list[Any]:
    if attname == "content":
        return [None if m.content is None else Jsonb(m.content) for m in messages]
    return [getattr(m, attname) for m in messages]


def outbox_write(messages: list[Message], recipients: list[list[uuid.UUID]]) -> None:
    """Insert ``messages`` (complete, unsaved) and one pending delivery per entry of ``recipients[i]``.

    The caller holds the transaction. The instances are marked saved, as ``bulk_create`` would.
    """
    if connection.vendor == "postgresql":
        write_with_sql(messages, recipients)
    else:
        write_with_orm(messages, recipients)


def write_with_sql(messages: list[Message], recipients: list[list[uuid.UUID]]) -> None:
    """PostgreSQL: one statement."""
    columns = [_column(messages, name) for name, _type in MESSAGE_COLUMNS]
    pairs = [(m.pk, r) for m, ids in zip(messages, recipients, strict=True) for r in ids]
    deliveries = [[m for m, _r in pairs], [r for _m, r in pairs]]
    with connection.cursor() as cursor:
        if len(messages) == 1:
            cursor.execute(_SQL_ONE, [column[0] for column in columns] + deliveries)
        else:
            cursor.execute(_SQL_MANY, columns + deliveries)
    for message in messages:
        message._state.adding, message._state.db = False, connection.alias


def write_with_orm(messages: list[Message], recipients: list[list[uuid.UUID]]) -> None:
    """Any database: two bulk INSERTs (what SQLite runs; the SQL path's tests compare against it).

    ``seq`` continues from the largest one: SQLite's write transactions are BEGIN IMMEDIATE, so no other
    writer can take the same numbers (on PostgreSQL this path is only a reference, and would be numbered
    by the sequence's trigger if ``seq`` were left empty).
    """
    Message.objects.bulk_create(messages)
    last = Delivery.objects.aggregate(last=Max("seq"))["last"] or 0
    pairs = [(m, pk) for m, ids in zip(messages, recipients, strict=True) for pk in ids]
    Delivery.objects.bulk_create(
        [Delivery(message_id=m.pk, recipient_id=pk, conversation_id=m.conversation_id, priority=m.priority,
                  expires_at=m.expires_at, sent_at=m.created_at, seq=last + n, status=DeliveryStatus.PENDING,
                  next_attempt_at=m.created_at, updated_at=m.created_at)
         for n, (m, pk) in enumerate(pairs, start=1)], batch_size=2000)
