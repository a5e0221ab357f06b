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
import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.db.models.base import ModelState
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
_SQL_ONE = _HEAD + "VALUES (" + ", ".join(f"%s::{t}" for _n, t in MESSAGE_COLUMNS) + ")" + _TAIL
_MICROSECOND = datetime.timedelta(microseconds=1)


def _column(messages: list[Message], attname: str) -> list[Any]:
    if attname == "content":
        return [None if m.content is None else Jsonb(m.content) for m in messages]
    return [getattr(m, attname) for m in messages]


@functools.cache
def _sql_many(shared: frozenset[str], stepped: bool) -> str:
    """The statement for many messages: a column whose value every message shares (``shared``: the
    organization, the sender, the empty texts of a typical batch) is one parameter, the others one array
    each; with ``stepped`` ``created_at`` is the first message's plus one microsecond per position, which is
    how drafts_insert numbers them. Sending 500 equal values costs psycopg as much as 500 different ones
    (about 1.5 us each in Python), a third of a batch sender's CPU per message before."""
    arrays = [(name, t) for name, t in MESSAGE_COLUMNS if name not in shared and not (stepped and name == "created_at")]
    values = []
    for name, t in MESSAGE_COLUMNS:
        if stepped and name == "created_at":
            values.append("%s::timestamptz + (v.position - 1) * interval '1 microsecond'")
        elif name in shared:
            values.append(f"%s::{t}")
        else:
            values.append(f"v.{name}")
    source = (", ".join(f"%s::{t}[]" for _n, t in arrays), ", ".join(name for name, _t in arrays))
    return (_HEAD + f"SELECT {', '.join(values)} FROM unnest({source[0]}) WITH ORDINALITY "  # noqa: S608 (names)
            f"AS v({source[1]}, position)" + _TAIL)


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
    pairs = [(m.pk, r) for m, ids in zip(messages, recipients, strict=True) for r in ids]
    deliveries = [[m for m, _r in pairs], [r for _m, r in pairs]]
    with connection.cursor() as cursor:
        if len(messages) == 1:
            cursor.execute(_SQL_ONE, [_column(messages, name)[0] for name, _type in MESSAGE_COLUMNS] + deliveries)
        else:
            cursor.execute(*_many(messages, deliveries))
    for message in messages:
        message._state.adding, message._state.db = False, connection.alias


def _many(messages: list[Message], deliveries: list[list[Any]]) -> tuple[str, list[Any]]:
    first = messages[0]
    shared = frozenset(name for name, _t in MESSAGE_COLUMNS if name not in ("id", "content", "created_at")
                       and all(getattr(m, name) == getattr(first, name) for m in messages))
    start = first.created_at
    stepped = all(m.created_at == start + i * _MICROSECOND for i, m in enumerate(messages))
    params: list[Any] = []
    for name, _t in MESSAGE_COLUMNS:
        if stepped and name == "created_at":
            params.append(start)
        elif name in shared:
            params.append(getattr(first, name))
    params += [_column(messages, name) for name, _t in MESSAGE_COLUMNS
               if name not in shared and not (stepped and name == "created_at")]
    return _sql_many(shared, stepped), params + deliveries


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


def _message(organization: Organization, draft: Draft, created_at: datetime.datetime) -> Message:
    """The unsaved Message ``Message(organization=..., sender_agent=..., ...)`` builds for ``draft``, without
    ``Model.__init__``'s per-field work and related-object ``setattr`` (no init signal has a receiver here):
    that was a fifth of a batch sender's CPU per message. Every concrete field is set (the outbox writes
    them all: MESSAGE_COLUMNS, tested against the model), and the related objects are cached as the
    constructor caches them, so ``message.sender_agent`` costs no query."""
    sender, user, parent = draft.sender_agent, draft.sender_user, draft.parent
    message = Message.__new__(Message)
    message.__dict__.update(
        id=uuid.uuid4(), organization_id=organization.pk, sender_agent_id=sender.pk if sender else None,
        sender_user_id=user.pk if user else None, performative=draft.performative, content=draft.content,
        conversation_id=draft.conversation, in_reply_to_id=parent.pk if parent else None, reply_by=draft.reply_by,
        priority=draft.priority, expires_at=draft.expires_at, idempotency_key=draft.key,
        recipient_count=len(draft.recipient_ids), created_at=created_at, **draft.texts)
    message._state = ModelState()
    message._state.fields_cache = {"organization": organization, "sender_agent": sender, "sender_user": user,
                                   "in_reply_to": parent}
    return message


def drafts_insert(*, organization: Organization, drafts: list[Draft]) -> list[Message]:
    """Write checked drafts and their deliveries: one statement on PostgreSQL (outbox.py), whatever the number
    of messages and the fan-out.

    Callers hold the transaction; one wake-up is published after it commits. The
    messages of one call get timestamps one microsecond apart, in list order, so
    the ordering rule (seq, numbered in that order, per conversation and recipient) keeps their order.
    """
    now = timezone.now()
    messages = [_message(organization, d, now + i * _MICROSECOND) for i, d in enumerate(drafts)]
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
