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

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg.types.json import Jsonb

from agents.agent.models import Agent
from agents.messaging.models import Delivery, DeliveryStatus, Message
from agents.messaging.services.recipients import RecipientSpec
from agents.messaging.services.wakeup import wakeup_after_commit
from agents.organization.models import Organization
from mabos.metrics import MESSAGES_SENT

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


@dataclass
class Draft:
    """One message checked field by field, then completed by conversations_check and the recipient resolver."""

    sender_agent: Agent | None
    sender_user: Any
    key: str
    performative: str
    content: Any
    texts: dict[str, str]
    priority: int
    expires_at: datetime.datetime | None
    reply_by: datetime.datetime | None
    spec: RecipientSpec
    in_reply_to: Any = None
    conversation_id: Any = None
    conversation: uuid.UUID | None = None
    parent: Message | None = None
    recipient_ids: list[Any] = field(default_factory=list)


def drafts_insert(*, organization: Organization, drafts: list[Draft]) -> list[Message]:
    """Write checked drafts and their deliveries: one statement on PostgreSQL (outbox.py), whatever the number
    of messages and the fan-out.

    Callers hold the transaction; one wake-up is published after it commits. The
    messages of one call get timestamps one microsecond apart, in list order, so
    the ordering rule (seq, numbered in that order, per conversation and recipient) keeps their order.
    """
    now = timezone.now()
    messages = [
        Message(organization=organization, sender_agent=d.sender_agent, sender_user=d.sender_user,
                performative=d.performative, content=d.content, conversation_id=d.conversation, in_reply_to=d.parent,
                reply_by=d.reply_by, priority=d.priority, expires_at=d.expires_at, idempotency_key=d.key,
                recipient_count=len(d.recipient_ids), created_at=now + datetime.timedelta(microseconds=i), **d.texts)
        for i, d in enumerate(drafts)]
    outbox_write(messages, [d.recipient_ids for d in drafts])
    if any(d.recipient_ids for d in drafts):
        wakeup_after_commit()
    counts: dict[str, int] = {}
    for d in drafts:
        counts[d.performative] = counts.get(d.performative, 0) + 1

    def count() -> None:
        for performative, n in counts.items():
            MESSAGES_SENT.labels(performative=performative).inc(n)

    transaction.on_commit(count, robust=True)
    return messages


def message_insert(*, organization: Organization, sender_agent: Agent | None, sender_user: Any,
                   performative: str, content: Any, recipient_ids: list[Any], conversation_id: uuid.UUID,
                   in_reply_to: Message | None = None, reply_with: str = "", reply_by: datetime.datetime | None = None,
                   ontology: str = "", language: str = "", protocol: str = "", topic: str = "", priority: int = 0,
                   expires_at: datetime.datetime | None = None, idempotency_key: str = "") -> Message:
    """Write one message already checked (or made by MABOS itself, like a failure notice) and its deliveries."""
    draft = Draft(sender_agent=sender_agent, sender_user=sender_user, key=idempotency_key, performative=performative,
                  content=content, priority=priority, expires_at=expires_at, reply_by=reply_by,
                  texts={"ontology": ontology, "language": language, "protocol": protocol, "topic": topic,
                         "reply_with": reply_with},
                  spec=RecipientSpec(), conversation=conversation_id, parent=in_reply_to,
                  recipient_ids=list(recipient_ids))
    return drafts_insert(organization=organization, drafts=[draft])[0]
