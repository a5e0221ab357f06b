"""``notification_record``: the write behind the ``notify`` action (builtins/notify.py says why an audit event)."""

from __future__ import annotations

import uuid

from django.db import transaction

from auditlog.actors import Actor
from auditlog.models import Action, ActorType, AuditEvent
from auditlog.services import audit_record

TARGET_TYPE = "agents.actionrequest"


@transaction.atomic
def notification_record(*, request_id: uuid.UUID, agent_id: uuid.UUID, agent_name: str,
                        organization_id: uuid.UUID, subject: str, text: str, level: str) -> AuditEvent:
    """The notification of action request ``request_id`` as an audit event by its agent, written once.

    A run repeated after a lost worker (at least once) finds the event of the first run by the request's
    id and returns it: the organization's people are told once.
    """
    existing = AuditEvent.objects.filter(target_type=TARGET_TYPE, target_id=str(request_id),
                                         action=Action.CREATE).order_by("seq").first()
    if existing is not None:
        return existing
    return audit_record(action=Action.CREATE, actor=Actor(type=ActorType.AGENT, id=str(agent_id), name=agent_name),
                        target_type=TARGET_TYPE, target_id=str(request_id),
                        target_repr=f"notification: {subject}",
                        changes={"subject": [None, subject], "level": [None, level],
                                 "organization": [None, str(organization_id)]},
                        note=text)
