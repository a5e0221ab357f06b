"""``message_send_batch``: many messages in one transaction, checked exactly like ``message_send``.

Every item goes through the same checks as a single send (send.py); the
database work is bounded whatever the number of items: one query for earlier
idempotency keys, at most three for replies and conversations, one for every
listed recipient (plus one or two per distinct group or role named), then one
bulk INSERT of the messages and one of the deliveries, and one wake-up after
commit. A bad item anywhere rejects the whole batch, and the 400 names it
(``messages[3].to``).
"""

from __future__ import annotations

import inspect
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from agents.common.audit import user_of
from agents.common.errors import invalid
from agents.messaging.models import Message
from agents.messaging.services.outbox import Draft, drafts_insert
from agents.messaging.services.policy import knob
from agents.messaging.services.recipients import RecipientResolver
from agents.messaging.services.send import (
    SendResult,
    conversations_check,
    draft_check,
    item_errors,
    message_send,
    record_send,
    sender_and_key,
)
from agents.organization.models import Organization

#: The keyword fields of an item: those of message_send, less the two that are the batch's own.
ITEM_FIELDS = frozenset(inspect.signature(message_send).parameters) - {"organization", "by"}


def _sender_key(sender_agent: Any, sender_user: Any) -> tuple[str, Any]:
    return ("agent", sender_agent.pk) if sender_agent is not None else ("user", sender_user.pk)


def _earlier(keyed: dict[tuple[tuple[str, Any], str], int]) -> dict[tuple[tuple[str, Any], str], Message]:
    """The messages already sent under these (sender, idempotency key) pairs: one query."""
    if not keyed:
        return {}
    agents = {sender[1] for sender, _key in keyed if sender[0] == "agent"}
    users = {sender[1] for sender, _key in keyed if sender[0] == "user"}
    rows = Message.objects.filter(idempotency_key__in={key for _sender, key in keyed}).filter(
        Q(sender_agent_id__in=agents) | Q(sender_user_id__in=users, sender_agent__isnull=True))
    found = {}
    for message in rows:
        sender = ("agent", message.sender_agent_id) if message.sender_agent_id else ("user", message.sender_user_id)
        if (sender, message.idempotency_key) in keyed:
            found[(sender, message.idempotency_key)] = message
    return found


def message_send_batch(*, organization: Organization, by: Any, messages: list[dict[str, Any]]) -> list[SendResult]:
    """Send every item of ``messages`` (each with message_send's keyword fields) in one transaction.

    The caller has already checked that ``by`` may speak as each item's sender.
    Results are in the order of the items; an item repeating an earlier
    ``idempotency_key`` of its sender returns that message (``created`` False)
    and writes nothing; two items of one batch with the same sender and key are
    a 400. Items with ``audit`` write one audit event each.
    """
    limit = int(knob("MAX_BATCH"))
    if not isinstance(messages, list | tuple) or not messages:
        raise invalid("messages", "Send at least one message.")
    if len(messages) > limit:
        raise invalid("messages", f"Too many messages: {len(messages)}; the limit is {limit}.")
    try:
        return _send_batch(organization=organization, by=by, items=list(messages))
    except IntegrityError:
        # A concurrent send took one of the keys between our look-up and the INSERT: the retry returns it.
        return _send_batch(organization=organization, by=by, items=list(messages))


@transaction.atomic
def _send_batch(*, organization: Organization, by: Any, items: list[dict[str, Any]]) -> list[SendResult]:
    now = timezone.now()
    heads: list[tuple[Any, Any, str]] = []
    keyed: dict[tuple[tuple[str, Any], str], int] = {}
    for index, item in enumerate(items):
        with item_errors(index):
            if not isinstance(item, dict):
                raise invalid("message", "Each message is an object with the fields of a single send.")
            for name in item:
                if name not in ITEM_FIELDS:
                    raise invalid(name, "Unknown field.")
            if "performative" not in item:
                raise invalid("performative", "This field is required.")
            sender_agent = item.get("sender_agent")
            sender_user, key = sender_and_key(organization=organization, by=by, sender_agent=sender_agent,
                                              idempotency_key=item.get("idempotency_key", ""))
        if key:
            pair = (_sender_key(sender_agent, sender_user), key)
            if pair in keyed:
                raise invalid(f"messages[{index}].idempotency_key",
                              f"Repeats the idempotency_key of messages[{keyed[pair]}] from the same sender.")
            keyed[pair] = index
        heads.append((sender_agent, sender_user, key))
    earlier = _earlier(keyed)

    results: list[SendResult | None] = [None] * len(items)
    drafts: list[Draft] = []
    indexes: list[int] = []
    for index, (item, (sender_agent, sender_user, key)) in enumerate(zip(items, heads, strict=True)):
        found = earlier.get((_sender_key(sender_agent, sender_user), key)) if key else None
        if found is not None:
            results[index] = SendResult(found, False)
            continue
        fields = {name: value for name, value in item.items() if name not in ("sender_agent", "idempotency_key",
                                                                               "audit")}
        with item_errors(index):
            drafts.append(draft_check(sender_agent=sender_agent, sender_user=sender_user, key=key, now=now,
                                      **fields))
        indexes.append(index)
    if drafts:
        _complete(organization=organization, by=by, drafts=drafts, indexes=indexes)
        created = drafts_insert(organization=organization, drafts=drafts)  # an IntegrityError retries the batch
        for index, draft, message in zip(indexes, drafts, created, strict=True):
            results[index] = SendResult(message, True)
            if items[index].get("audit"):
                record_send(by=by, message=message, sender_agent=draft.sender_agent, performative=draft.performative,
                            recipients=len(draft.recipient_ids))
    return [result for result in results if result is not None]


def _complete(*, organization: Organization, by: Any, drafts: list[Draft], indexes: list[int]) -> None:
    """Conversations and recipients of every draft, with a bounded number of queries."""
    conversations_check(organization=organization, drafts=drafts, indexes=list(indexes))
    resolver = RecipientResolver(organization, limit=int(knob("MAX_RECIPIENTS")), viewer=user_of(by))
    listed = []
    for index, draft in zip(indexes, drafts, strict=True):
        with item_errors(index):
            listed += resolver.listed_refs(draft.spec.to)
    senders = [d.sender_agent.pk for d in drafts if d.sender_agent is not None]
    resolver.prefetch([*listed, *senders])  # recipients and senders' fresh status: one query (+1 for slugs)
    for index, draft in zip(indexes, drafts, strict=True):
        with item_errors(index):
            resolver.check_sender(draft.sender_agent.pk if draft.sender_agent else None)
            draft.recipient_ids = resolver.resolve(
                draft.spec, performative=draft.performative,
                sender_agent_id=draft.sender_agent.pk if draft.sender_agent else None)
