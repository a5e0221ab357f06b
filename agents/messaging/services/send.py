"""``message_send``: validate, then commit the message and one delivery per recipient together (the outbox).

The broker is told after commit (wakeup.py) and may be down: the send still
succeeds and the sweeper delivers later. A fan-out to N recipients is one
bulk INSERT, not N round-trips.

message_send and message_send_batch (batch.py) share one validation path:
``sender_and_key`` and ``draft_check`` check one message's fields without the
database, ``conversations_check`` and a ``RecipientResolver`` check many
messages with a bounded number of queries, and ``drafts_insert`` (outbox.py) writes them.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agents.agent.models import Agent
from agents.common.audit import record, user_of
from agents.common.errors import SenderInactive, invalid
from agents.common.limits import CONTENT_MAX_CHARS, SHORT_TEXT
from agents.common.validation import check_json, parse_uuid
from agents.messaging.models import Delivery, Message, Performative
from agents.messaging.services.outbox import Draft, drafts_insert
from agents.messaging.services.policy import knob
from agents.messaging.services.recipients import RecipientResolver, RecipientSpec
from agents.organization.models import Organization
from auditlog.models import Action
from mabos import storable
from mabos.errors import InvalidInput

PERFORMATIVES = frozenset(Performative.values)  # Performative.values builds a new list on every access


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool  # False: the idempotency key matched an earlier send, which is returned instead


def check_content(content: Any) -> Any:
    """A message's content: the JSON rule of every JSON column (``check_json``), at most CONTENT_MAX_CHARS
    (the constraint ``message_content_size`` measures the same)."""
    return check_json("content", content, max_chars=CONTENT_MAX_CHARS)


def _text(field: str, value: Any) -> str:
    value = "" if value is None else str(value)
    if len(value) > SHORT_TEXT:
        raise invalid(field, f"At most {SHORT_TEXT} characters.")
    problem = storable.text_problem(value)
    if problem:
        raise invalid(field, problem)
    return value




@contextmanager
def item_errors(index: int | None) -> Iterator[None]:
    """Inside a batch, a 400 names the item: field ``to`` of item 3 becomes ``messages[3].to``."""
    try:
        yield
    except InvalidInput as exc:
        if index is None:
            raise
        raise InvalidInput(f"messages[{index}]: {exc.detail}",
                           fields={f"messages[{index}].{name}": errors for name, errors in exc.fields.items()}) \
            from None
    except SenderInactive as exc:  # a 409, not a 400: keep its class and code, name the item
        if index is not None:
            exc.detail = f"messages[{index}]: {exc.detail}"
            exc.fields = {f"messages[{index}].{name}": errors for name, errors in exc.fields.items()}
        raise


def sender_and_key(*, organization: Organization, by: Any, sender_agent: Agent | None,
                   idempotency_key: Any) -> tuple[Any, str]:
    """(the person speaking as themselves or None, the checked idempotency key)."""
    sender_user = None if sender_agent is not None else user_of(by)
    if sender_agent is not None and sender_agent.organization_id != organization.pk:
        raise invalid("sender", "The sender belongs to another organization.")
    if sender_agent is None and sender_user is None:
        raise invalid("sender", "Name the agent to send as.")
    return sender_user, _text("idempotency_key", idempotency_key)


def draft_check(*, sender_agent: Agent | None, sender_user: Any, key: str, performative: str, now: datetime.datetime,
                content: Any = None, to: list[Any] | None = None, group: Any = None, role: Any = None,
                topic: str = "", conversation_id: Any = None, reply_with: str = "", in_reply_to: Any = None,
                reply_by: datetime.datetime | None = None, ontology: str = "", language: str = "",
                protocol: str = "", priority: int = 0, expires_at: datetime.datetime | None = None) -> Draft:
    """Every check of one message that needs no database."""
    if performative not in PERFORMATIVES:
        raise invalid("performative", f"Unknown performative {performative!r}; use one of "
                                      f"{', '.join(Performative.values)}.")
    if not isinstance(priority, int) or isinstance(priority, bool) or not -100 <= priority <= 100:
        raise invalid("priority", "Must be an integer from -100 to 100.")
    if expires_at is not None and expires_at <= now:
        raise invalid("expires_at", "Already in the past: the message would expire before it is sent.")
    check_content(content)
    if to is not None and not isinstance(to, list | tuple):
        raise invalid("to", "A list of agent ids or slugs.")
    texts = {name: _text(name, value) for name, value in
             (("ontology", ontology), ("language", language), ("protocol", protocol), ("topic", topic),
              ("reply_with", reply_with))}
    return Draft(sender_agent=sender_agent, sender_user=sender_user, key=key, performative=performative,
                 content=content, texts=texts, priority=priority, expires_at=expires_at, reply_by=reply_by,
                 spec=RecipientSpec(to=list(to or []), group=group, role=role, topic=texts["topic"]),
                 in_reply_to=in_reply_to, conversation_id=conversation_id)


def conversations_check(*, organization: Organization, drafts: list[Draft],
                        indexes: list[int | None] | None = None) -> None:
    """Set each draft's conversation and the message it answers (checked: same organization, seen by the
    sender, same conversation). At most two queries, whatever the number of drafts.

    A conversation is (organization, conversation_id): an id already used by another organization is
    accepted here as a fresh conversation of this one, exactly as an unused id is, so a send never tells
    whether another tenant uses an id; every read of a conversation is scoped to one organization
    (agents.messaging.selectors.conversation_get), so the two never mix."""
    indexes = indexes or [None] * len(drafts)
    parent_ids = {d.in_reply_to.pk if isinstance(d.in_reply_to, Message) else parse_uuid(d.in_reply_to)
                  for d in drafts if d.in_reply_to is not None} - {None}
    parents = {m.pk: m for m in Message.objects.filter(pk__in=parent_ids, organization=organization)} \
        if parent_ids else {}
    seen_pairs = {(d.sender_agent.pk, parents[pid].pk) for d in drafts if d.sender_agent is not None
                  for pid in [_parent_id(d)] if pid in parents and parents[pid].sender_agent_id != d.sender_agent.pk}
    seen: set[tuple[Any, Any]] = set()
    if seen_pairs:
        seen = {(r, m) for m, r in Delivery.objects.filter(
            message_id__in={m for _r, m in seen_pairs}, recipient_id__in={r for r, _m in seen_pairs})
            .values_list("message_id", "recipient_id")}
    for index, draft in zip(indexes, drafts, strict=True):
        with item_errors(index):
            _conversation_of(draft, parents, seen)


#: One refusal for a reply to a message that is missing, another organization's, or one the sender never
#: received or sent: the answer does not tell which, so a message id outside the sender's view stays unknown.
NO_PARENT = "No such message among those the sender received or sent."


def _parent_id(draft: Draft) -> uuid.UUID | None:
    return draft.in_reply_to.pk if isinstance(draft.in_reply_to, Message) else parse_uuid(draft.in_reply_to)


def _conversation_of(draft: Draft, parents: dict[Any, Message], seen: set[tuple[Any, Any]]) -> None:
    parent = None
    if draft.in_reply_to is not None:
        parent = parents.get(_parent_id(draft))
        sender = draft.sender_agent
        unseen = parent is not None and sender is not None and parent.sender_agent_id != sender.pk \
            and (sender.pk, parent.pk) not in seen
        if parent is None or unseen:  # missing, another tenant's, or not the sender's: one answer
            raise invalid("in_reply_to", NO_PARENT)
    draft.parent = parent
    if draft.conversation_id is not None:
        conversation_id = parse_uuid(draft.conversation_id)
        if conversation_id is None:
            raise invalid("conversation_id", "Not a valid id.")
        if parent is not None and parent.conversation_id != conversation_id:
            raise invalid("conversation_id", "Does not match the conversation of the message in in_reply_to.")
        draft.conversation = conversation_id
    else:
        draft.conversation = parent.conversation_id if parent else uuid.uuid4()






def existing(sender_agent: Agent | None, sender_user: Any, key: str) -> Message | None:
    if not key:
        return None
    if sender_agent is not None:
        return Message.objects.filter(sender_agent=sender_agent, idempotency_key=key).first()
    return Message.objects.filter(sender_user=sender_user, sender_agent__isnull=True, idempotency_key=key).first()


def record_send(*, by: Any, message: Message, sender_agent: Agent | None, performative: str, recipients: int) -> None:
    """The audit event of a person speaking as an agent."""
    record(action=Action.CREATE, by=by, target=message, target_repr=f"message {message.pk}",
           changes={"sender_agent": [None, str(sender_agent.pk) if sender_agent else None],
                    "performative": [None, performative], "recipients": [None, recipients]},
           note="sent by a person speaking as the agent")


def one_statement(*, audit: bool) -> bool:
    """Whether this send may be written without a transaction of its own: on PostgreSQL, outside any
    transaction, with no audit event to write beside it.

    Its only write is then the outbox statement (outbox.py), which PostgreSQL runs, like every statement, as
    a transaction: the message and every delivery commit together or not at all, and the statement returns
    only once they are committed. The reads before it (recipients, idempotency key, the message answered)
    run under READ COMMITTED with a snapshot each, as they would inside BEGIN ... COMMIT. What this saves
    is BEGIN and COMMIT, two of a single send's four round trips to the database (and so a share of the web
    process's CPU per send; docs/benchmarks.md). A caller that holds a transaction, or an audited send,
    takes the transactional path as before.
    """
    return (not audit and connection.vendor == "postgresql" and not connection.in_atomic_block
            and connection.get_autocommit())


def message_send(*, organization: Organization, by: Any, performative: str, sender_agent: Agent | None = None,
                 content: Any = None, to: list[Any] | None = None, group: Any = None, role: Any = None,
                 topic: str = "", conversation_id: Any = None, reply_with: str = "", in_reply_to: Any = None,
                 reply_by: datetime.datetime | None = None, ontology: str = "", language: str = "",
                 protocol: str = "", priority: int = 0, expires_at: datetime.datetime | None = None,
                 idempotency_key: str = "", audit: bool = False) -> SendResult:
    """Send a message as ``sender_agent`` (or, without one, as the person ``by`` speaking for themselves).

    The caller has already checked that ``by`` may speak as the sender. With
    ``audit`` (a person speaking as an agent) the send writes one audit event.
    A repeated ``idempotency_key`` of the same sender returns the first message.
    One transaction: the caller's, its own, or (``one_statement``) the outbox statement's.
    """
    fields = {"content": content, "to": to, "group": group, "role": role, "topic": topic,
              "conversation_id": conversation_id, "reply_with": reply_with, "in_reply_to": in_reply_to,
              "reply_by": reply_by, "ontology": ontology, "language": language, "protocol": protocol,
              "priority": priority, "expires_at": expires_at}
    if one_statement(audit=audit):
        return _send(organization=organization, by=by, performative=performative, sender_agent=sender_agent,
                     idempotency_key=idempotency_key, audit=False, atomic=False, fields=fields)
    with transaction.atomic():
        return _send(organization=organization, by=by, performative=performative, sender_agent=sender_agent,
                     idempotency_key=idempotency_key, audit=audit, atomic=True, fields=fields)


def _send(*, organization: Organization, by: Any, performative: str, sender_agent: Agent | None,
          idempotency_key: str, audit: bool, atomic: bool, fields: dict[str, Any]) -> SendResult:
    sender_user, key = sender_and_key(organization=organization, by=by, sender_agent=sender_agent,
                                      idempotency_key=idempotency_key)
    earlier = existing(sender_agent, sender_user, key)
    if earlier is not None:
        return SendResult(earlier, False)
    draft = draft_check(sender_agent=sender_agent, sender_user=sender_user, key=key, performative=performative,
                        now=timezone.now(), **fields)
    conversations_check(organization=organization, drafts=[draft])
    resolver = RecipientResolver(organization, limit=int(knob("MAX_RECIPIENTS")), viewer=user_of(by))
    sender_id = sender_agent.pk if sender_agent else None
    resolver.prefetch([*resolver.listed_refs(draft.spec.to), *([sender_id] if sender_id else [])])  # one query by id
    resolver.check_sender(sender_id)
    draft.recipient_ids = resolver.resolve(draft.spec, performative=performative, sender_agent_id=sender_id)
    if not key:  # nothing to race for: no savepoint
        message = drafts_insert(organization=organization, drafts=[draft])[0]
    else:
        try:
            # Inside a transaction a savepoint keeps it usable after a lost race; a lone statement needs none.
            with transaction.atomic() if atomic else contextlib.nullcontext():
                message = drafts_insert(organization=organization, drafts=[draft])[0]
        except IntegrityError:
            earlier = existing(sender_agent, sender_user, key)
            if earlier is None:
                raise
            return SendResult(earlier, False)  # a concurrent send with the same key won
    if audit:
        record_send(by=by, message=message, sender_agent=sender_agent, performative=performative,
                    recipients=len(draft.recipient_ids))
    return SendResult(message, True)
