"""``message_send``: validate, then commit the message and one delivery per recipient together (the outbox).

The broker is told after commit (wakeup.py) and may be down: the send still
succeeds and the sweeper delivers later. A fan-out to N recipients is one
bulk INSERT, not N round-trips.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.errors import invalid
from agents.models import Agent, Delivery, DeliveryStatus, Message, Organization, Performative
from agents.models.messaging import CONTENT_MAX_CHARS, SHORT_TEXT
from agents.services.messaging.policy import knob
from agents.services.messaging.recipients import RecipientSpec, resolve_recipients
from agents.services.messaging.wakeup import wakeup_after_commit
from agents.services.recording import record, user_of
from auditlog.models import Action
from mabos.metrics import MESSAGES_SENT


@dataclass(frozen=True)
class SendResult:
    message: Message
    created: bool  # False: the idempotency key matched an earlier send, which is returned instead


def check_content(content: Any) -> Any:
    """Strict JSON (no NaN, no bytes, no sets) and at most CONTENT_MAX_CHARS as text."""
    try:
        size = len(json.dumps(content, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise invalid("content", f"Not JSON: {exc}.") from None
    if size > CONTENT_MAX_CHARS:
        raise invalid("content", f"Too large: {size} characters as JSON; the limit is {CONTENT_MAX_CHARS}.")
    return content


def _text(field: str, value: Any) -> str:
    value = "" if value is None else str(value)
    if len(value) > SHORT_TEXT:
        raise invalid(field, f"At most {SHORT_TEXT} characters.")
    return value


def _check_fields(*, performative: str, priority: int, expires_at: datetime.datetime | None,
                  now: datetime.datetime) -> None:
    if performative not in Performative.values:
        raise invalid("performative", f"Unknown performative {performative!r}; use one of "
                                      f"{', '.join(Performative.values)}.")
    if not isinstance(priority, int) or isinstance(priority, bool) or not -100 <= priority <= 100:
        raise invalid("priority", "Must be an integer from -100 to 100.")
    if expires_at is not None and expires_at <= now:
        raise invalid("expires_at", "Already in the past: the message would expire before it is sent.")


def _conversation(*, organization: Organization, sender_agent: Agent | None, in_reply_to: Any,
                  conversation_id: Any) -> tuple[uuid.UUID, Message | None]:
    """The conversation of a new message, and the message it answers (checked: same organization, seen by
    the sender, same conversation)."""
    parent = None
    if in_reply_to is not None:
        parent_id = in_reply_to.pk if isinstance(in_reply_to, Message) else in_reply_to
        try:
            parent = Message.objects.filter(pk=parent_id, organization=organization).first()
        except (ValueError, TypeError):
            parent = None
        if parent is None:
            raise invalid("in_reply_to", "No such message in this organization.")
        if sender_agent is not None and parent.sender_agent_id != sender_agent.pk \
                and not Delivery.objects.filter(message=parent, recipient=sender_agent).exists():
            raise invalid("in_reply_to", "The sender never received or sent this message, so it cannot reply to it.")
    if conversation_id is not None:
        try:
            if not isinstance(conversation_id, uuid.UUID):
                conversation_id = uuid.UUID(str(conversation_id))
        except ValueError:
            raise invalid("conversation_id", "Not a valid id.") from None
        if parent is not None and parent.conversation_id != conversation_id:
            raise invalid("conversation_id", "Does not match the conversation of the message in in_reply_to.")
        if parent is None and Message.objects.filter(conversation_id=conversation_id) \
                .exclude(organization=organization).exists():
            raise invalid("conversation_id", "This conversation belongs to another organization.")
        return conversation_id, parent
    return (parent.conversation_id if parent else uuid.uuid4()), parent


def message_insert(*, organization: Organization, sender_agent: Agent | None, sender_user: Any,
                   performative: str, content: Any, recipient_ids: list[Any], conversation_id: uuid.UUID,
                   in_reply_to: Message | None = None, reply_with: str = "", reply_by: datetime.datetime | None = None,
                   ontology: str = "", language: str = "", protocol: str = "", topic: str = "", priority: int = 0,
                   expires_at: datetime.datetime | None = None, idempotency_key: str = "") -> Message:
    """Write a checked message and its deliveries: two INSERTs, whatever the fan-out. Callers hold the
    transaction; the wake-up is published after it commits."""
    now = timezone.now()
    message = Message.objects.create(
        organization=organization, sender_agent=sender_agent, sender_user=sender_user, performative=performative,
        content=content, ontology=ontology, language=language, protocol=protocol, topic=topic,
        conversation_id=conversation_id, reply_with=reply_with, in_reply_to=in_reply_to, reply_by=reply_by,
        priority=priority, expires_at=expires_at, idempotency_key=idempotency_key,
        recipient_count=len(recipient_ids), created_at=now)
    Delivery.objects.bulk_create([
        Delivery(message=message, recipient_id=pk, conversation_id=conversation_id, priority=priority,
                 expires_at=expires_at, sent_at=now, status=DeliveryStatus.PENDING, next_attempt_at=now,
                 updated_at=now)
        for pk in recipient_ids], batch_size=2000)
    if recipient_ids:
        wakeup_after_commit()
    transaction.on_commit(lambda: MESSAGES_SENT.labels(performative=performative).inc(), robust=True)
    return message


def _existing(sender_agent: Agent | None, sender_user: Any, key: str) -> Message | None:
    if not key:
        return None
    if sender_agent is not None:
        return Message.objects.filter(sender_agent=sender_agent, idempotency_key=key).first()
    return Message.objects.filter(sender_user=sender_user, sender_agent__isnull=True, idempotency_key=key).first()


@transaction.atomic
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
    """
    sender_user = None if sender_agent is not None else user_of(by)
    if sender_agent is not None and sender_agent.organization_id != organization.pk:
        raise invalid("sender", "The sender belongs to another organization.")
    if sender_agent is None and sender_user is None:
        raise invalid("sender", "Name the agent to send as.")
    key = _text("idempotency_key", idempotency_key)
    earlier = _existing(sender_agent, sender_user, key)
    if earlier is not None:
        return SendResult(earlier, False)
    now = timezone.now()
    _check_fields(performative=performative, priority=priority, expires_at=expires_at, now=now)
    check_content(content)
    texts = {name: _text(name, value) for name, value in
             (("ontology", ontology), ("language", language), ("protocol", protocol), ("topic", topic),
              ("reply_with", reply_with))}
    conversation, parent = _conversation(organization=organization, sender_agent=sender_agent,
                                         in_reply_to=in_reply_to, conversation_id=conversation_id)
    recipient_ids = resolve_recipients(
        organization=organization, spec=RecipientSpec(to=list(to or []), group=group, role=role, topic=texts["topic"]),
        performative=performative, sender_agent_id=sender_agent.pk if sender_agent else None,
        limit=int(knob("MAX_RECIPIENTS")))
    try:
        with transaction.atomic():
            message = message_insert(
                organization=organization, sender_agent=sender_agent, sender_user=sender_user,
                performative=performative, content=content, recipient_ids=recipient_ids, conversation_id=conversation,
                in_reply_to=parent, reply_by=reply_by, priority=priority, expires_at=expires_at, idempotency_key=key,
                **texts)
    except IntegrityError:
        earlier = _existing(sender_agent, sender_user, key)
        if earlier is None:
            raise
        return SendResult(earlier, False)  # a concurrent send with the same key won
    if audit:
        record(action=Action.CREATE, by=by, target=message, target_repr=f"message {message.pk}",
               changes={"sender_agent": [None, str(sender_agent.pk) if sender_agent else None],
                        "performative": [None, performative], "recipients": [None, len(recipient_ids)]},
               note="sent by a person speaking as the agent")
    return SendResult(message, True)
