"""The one way to write an audit event.

Services call ``audit_record`` inside their own transaction, so the change and
its event commit or roll back together. The contract, in order of priority:

1. no change is ever unaudited: if the database cannot store the event, the
   exception propagates and the caller's whole transaction fails with it;
2. auditing is otherwise never the reason an action fails: odd input (huge or
   binary strings, a broken ``__str__``, unserialisable values, malformed
   ``changes``) is neutralised, truncated or described, never rejected.

After the commit, the new head is anchored outside the table
(``auditlog.anchor``); an anchor that cannot be written is logged, never raised.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import models, transaction

from auditlog.actors import Actor
from auditlog.anchor import AnchorUnavailable, anchor_advance, anchor_read, anchor_reset
from auditlog.chain import append
from auditlog.changes import normalise_changes
from auditlog.models import Action, AuditEvent
from auditlog.sanitize import clean_text
from mabos.request_context import (
    current_ip,
    current_request_id,
    current_user,
    current_user_agent,
    in_request,
)

logger = logging.getLogger(__name__)


def audit_record(
    *,
    action: Action | str,
    actor: Actor | Any | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_repr: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event to the audit chain, in the caller's transaction (or its own when there is none).

    ``actor``: an Actor, a user (or agent) instance, or None for "whoever the
    request context says": the authenticated user, else anonymous inside a
    request, else the system. ``target``: a model instance (content type, pk,
    str); the explicit ``target_*`` arguments override or replace it.
    ``changes``: ``{field: [before, after]}``; unchanged fields are dropped and
    values of secret-looking fields are redacted.
    """
    event = AuditEvent(action=_action_value(action))
    try:
        _describe(event, actor=actor, target=target, target_type=target_type, target_id=target_id,
                  target_repr=target_repr, changes=changes, note=note)
    except Exception:
        # Last line of defence: every helper above is already lenient, but an
        # event with less detail beats a failed action.
        logger.exception("audit event for %s could not be fully described", event.action)
    with transaction.atomic():
        append(event)
        # After the commit, not before: an anchor ahead of the committed chain would be a false alarm.
        seq, head_hash = event.seq, event.hash
        transaction.on_commit(lambda: anchor_advance(seq=seq, head_hash=head_hash), robust=True)
        return event


def audit_anchor_reset() -> str:
    """Drop the anchored head after a deliberate reset of the audit table, and say so in the chain itself.

    Without this, the head of the old chain makes the new, shorter one "tail
    missing" forever. The event is written after the reset, so the next
    verification anchors a head that includes the record of it (and of the head that was dropped).
    """
    try:
        previous = anchor_read()
    except AnchorUnavailable as exc:
        return f"nothing to reset: {exc}"
    anchor_reset()
    note = f"anchored head reset (was seq {previous.seq})" if previous else "anchored head reset (none recorded)"
    audit_record(action=Action.CONFIG_CHANGED, actor=Actor.system("auditlog_verify"), target_type="auditlog.anchor",
                 note=note)
    return note


def _action_value(action: Action | str) -> str:
    value = str(getattr(action, "value", action))
    if value not in Action.values:
        # A typo in a caller must not fail its action; it is stored, and said loudly.
        logger.error("audit action %r is not a member of auditlog.models.Action", value)
    return clean_text(value, 32)


def _describe(event: AuditEvent, *, actor: Any, target: models.Model | None, target_type: str,
              target_id: str | int, target_repr: str, changes: Any, note: str) -> None:
    who = _resolve_actor(actor)
    event.actor_type = who.type
    event.actor_id = clean_text(who.id, AuditEvent.ACTOR_ID_MAX)
    event.actor_name = clean_text(who.name, AuditEvent.ACTOR_NAME_MAX)

    if target is not None:
        meta = target._meta
        target_type = target_type or f"{meta.app_label}.{meta.model_name}"
        target_id = target_id if target_id not in ("", None) else target.pk
        target_repr = target_repr or _safe_str(target)
    event.target_type = clean_text(target_type, AuditEvent.TARGET_TYPE_MAX)
    event.target_id = clean_text("" if target_id is None else target_id, AuditEvent.TARGET_ID_MAX)
    event.target_repr = clean_text(target_repr, AuditEvent.TARGET_REPR_MAX)

    try:
        event.changes = normalise_changes(changes)
    except Exception:
        logger.exception("audit changes for %s could not be normalised", event.action)
        event.changes = {"_unrecordable": [None, "the changes could not be serialised"]}
    event.note = clean_text(note, AuditEvent.NOTE_MAX)

    event.ip = current_ip() or ""
    event.user_agent = clean_text(current_user_agent(), AuditEvent.USER_AGENT_MAX)
    event.request_id = clean_text(current_request_id() or "", AuditEvent.REQUEST_ID_MAX)


def _resolve_actor(actor: Any) -> Actor:
    if actor is not None:
        return Actor.coerce(actor)
    user = current_user()
    if user is not None:
        return Actor.for_user(user)
    return Actor.anonymous() if in_request() else Actor.system()


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__} {getattr(value, 'pk', '')}>"
